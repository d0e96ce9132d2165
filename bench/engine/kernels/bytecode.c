/* A bytecode interpreter: a small stack machine with a switch dispatch loop, running a program
 * that sums the Collatz trajectory lengths of 1..N (loops, calls, arithmetic, locals). */
#include "kernel.h"

enum Opcode {
    PUSH,        // push immediate
    LOAD,        // push local[immediate]
    STORE,       // local[immediate] = pop
    ADD,
    SUB,
    MUL,
    DIV_U,
    REM_U,
    AND,
    SHR,
    LESS_U,      // a < b
    EQUAL,
    JUMP,        // pc = immediate
    JUMP_IF_ZERO,
    CALL,        // call immediate (new frame of 4 locals, argument popped into local 0)
    RETURN,      // return top of stack to caller
    HALT,
};

#define STACK_SIZE 256
#define FRAME_LOCALS 4
#define MAX_FRAMES 64

/* main: total = 0; for (n = 1; n < LIMIT; n++) total += collatz(n); halt total
 * collatz(x): steps = 0; while (x != 1) { x = (x & 1) ? 3x+1 : x/2; steps++ } return steps */
#define LIMIT SIZE(400, 30000)
#define COLLATZ_ENTRY 36
static const i32 program[] = {
    /* 0 */ PUSH, 0, STORE, 0,             // total = 0
    /* 4 */ PUSH, 1, STORE, 1,             // n = 1
    /* 8 */ LOAD, 1, PUSH, LIMIT, LESS_U,  // n < LIMIT ?
    /* 13 */ JUMP_IF_ZERO, 33,
    /* 15 */ LOAD, 0, LOAD, 1, CALL, COLLATZ_ENTRY, ADD, STORE, 0, // total += collatz(n)
    /* 24 */ LOAD, 1, PUSH, 1, ADD, STORE, 1, // n++
    /* 31 */ JUMP, 8,
    /* 33 */ LOAD, 0,                      // leave total on the stack
    /* 35 collatz (locals: 0 = x, 1 = steps) */
    HALT, PUSH, 0, STORE, 1,
    /* 40 */ LOAD, 0, PUSH, 1, EQUAL, JUMP_IF_ZERO, 52,
    /* 47 */ LOAD, 1, RETURN, 0, 0,
    /* 52 */ LOAD, 0, PUSH, 1, AND, JUMP_IF_ZERO, 73,
    /* 59 */ LOAD, 0, PUSH, 3, MUL, PUSH, 1, ADD, STORE, 0, JUMP, 80,
    /* 71 */ 0, 0,
    /* 73 */ LOAD, 0, PUSH, 2, DIV_U, STORE, 0,
    /* 80 */ LOAD, 1, PUSH, 1, ADD, STORE, 1, JUMP, 40,
};



static u32 execute(void)
{
    u32 stack[STACK_SIZE];
    u32 locals[MAX_FRAMES * FRAME_LOCALS];
    i32 return_addresses[MAX_FRAMES];
    i32 stack_top = 0, frame = 0, pc = 0;
    for (int i = 0; i < FRAME_LOCALS; ++i)
        locals[i] = 0;
    for (;;) {
        i32 opcode = program[pc++];
        u32 a, b;
        switch (opcode) {
        case PUSH: stack[stack_top++] = (u32)program[pc++]; break;
        case LOAD: stack[stack_top++] = locals[frame * FRAME_LOCALS + program[pc++]]; break;
        case STORE: locals[frame * FRAME_LOCALS + program[pc++]] = stack[--stack_top]; break;
        case ADD: b = stack[--stack_top]; a = stack[--stack_top]; stack[stack_top++] = a + b; break;
        case SUB: b = stack[--stack_top]; a = stack[--stack_top]; stack[stack_top++] = a - b; break;
        case MUL: b = stack[--stack_top]; a = stack[--stack_top]; stack[stack_top++] = a * b; break;
        case DIV_U: b = stack[--stack_top]; a = stack[--stack_top]; stack[stack_top++] = b ? a / b : 0; break;
        case REM_U: b = stack[--stack_top]; a = stack[--stack_top]; stack[stack_top++] = b ? a % b : 0; break;
        case AND: b = stack[--stack_top]; a = stack[--stack_top]; stack[stack_top++] = a & b; break;
        case SHR: b = stack[--stack_top]; a = stack[--stack_top]; stack[stack_top++] = a >> (b & 31); break;
        case LESS_U: b = stack[--stack_top]; a = stack[--stack_top]; stack[stack_top++] = a < b; break;
        case EQUAL: b = stack[--stack_top]; a = stack[--stack_top]; stack[stack_top++] = a == b; break;
        case JUMP: pc = program[pc]; break;
        case JUMP_IF_ZERO:
            a = stack[--stack_top];
            pc = a == 0 ? program[pc] : pc + 1;
            break;
        case CALL:
            if (frame + 1 >= MAX_FRAMES)
                return 0xDEAD0001u;
            return_addresses[frame] = pc + 1;
            pc = program[pc];
            ++frame;
            locals[frame * FRAME_LOCALS] = stack[--stack_top];
            for (int i = 1; i < FRAME_LOCALS; ++i)
                locals[frame * FRAME_LOCALS + i] = 0;
            break;
        case RETURN:
            --frame;
            pc = return_addresses[frame];
            break;
        case HALT: return stack[--stack_top];
        default: return 0xDEAD0002u;
        }
    }
}

KERNEL_EXPORT u32 run(void)
{
    return mix(2166136261u, execute());
}
