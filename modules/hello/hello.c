/* hello: the demo application. Greets, says how it was started, and exits. */
#include <stdio.h>

int main(int argc, char** argv)
{
    printf("Hello, World! (from %s, a Wasm module on Athanor)\n", argc > 0 ? argv[0] : "?");
    return 0;
}
