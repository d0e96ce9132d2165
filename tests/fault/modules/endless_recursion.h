/* endless_recursion.h: ENDLESS_RECURSION(name, frame_bytes) defines
 *   unsigned long name(volatile unsigned long depth)
 * which calls itself with a frame of frame_bytes until the engine's call stack is exhausted (a
 * trap, never a kernel stack overflow). Used by fault-recursion and chaos. */
#ifndef AZOTH_TESTS_FAULT_ENDLESS_RECURSION_H
#define AZOTH_TESTS_FAULT_ENDLESS_RECURSION_H

/* The depth test is never true: it keeps the compiler from calling the recursion infinite. */
#define ENDLESS_RECURSION(name, frame_bytes)                                 \
    __attribute__((noinline)) unsigned long name(volatile unsigned long depth) \
    {                                                                        \
        volatile char frame[frame_bytes];                                    \
        frame[0] = (char)depth;                                              \
        if (depth > 1000000000ul)                                            \
            return 0;                                                        \
        return name(depth + 1) + frame[0];                                   \
    }

#endif
