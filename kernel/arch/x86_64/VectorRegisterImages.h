#pragma once

// The FP/vector-state self-test's assembly pieces for every x86_64 SysV port (the x86_64 kernel and
// the usermode port): load xmm0-xmm15 from the 256 bytes at %[in], store them to %[out], and the
// clobber list that tells the compiler all sixteen change. Used inside one asm statement so the
// compiler cannot touch XMM between the load and the store.

#define ATH_LOAD_XMM0_15_FROM_IN                                                                            \
    "movdqa 0(%[in]), %%xmm0\n movdqa 16(%[in]), %%xmm1\n movdqa 32(%[in]), %%xmm2\n"                        \
    "movdqa 48(%[in]), %%xmm3\n movdqa 64(%[in]), %%xmm4\n movdqa 80(%[in]), %%xmm5\n"                      \
    "movdqa 96(%[in]), %%xmm6\n movdqa 112(%[in]), %%xmm7\n movdqa 128(%[in]), %%xmm8\n"                    \
    "movdqa 144(%[in]), %%xmm9\n movdqa 160(%[in]), %%xmm10\n movdqa 176(%[in]), %%xmm11\n"                 \
    "movdqa 192(%[in]), %%xmm12\n movdqa 208(%[in]), %%xmm13\n movdqa 224(%[in]), %%xmm14\n"                \
    "movdqa 240(%[in]), %%xmm15\n"

#define ATH_STORE_XMM0_15_TO_OUT                                                                            \
    "movdqa %%xmm0, 0(%[out])\n movdqa %%xmm1, 16(%[out])\n movdqa %%xmm2, 32(%[out])\n"                     \
    "movdqa %%xmm3, 48(%[out])\n movdqa %%xmm4, 64(%[out])\n movdqa %%xmm5, 80(%[out])\n"                   \
    "movdqa %%xmm6, 96(%[out])\n movdqa %%xmm7, 112(%[out])\n movdqa %%xmm8, 128(%[out])\n"                 \
    "movdqa %%xmm9, 144(%[out])\n movdqa %%xmm10, 160(%[out])\n movdqa %%xmm11, 176(%[out])\n"              \
    "movdqa %%xmm12, 192(%[out])\n movdqa %%xmm13, 208(%[out])\n movdqa %%xmm14, 224(%[out])\n"             \
    "movdqa %%xmm15, 240(%[out])\n"

#define ATH_XMM0_15_CLOBBERS                                                                                \
    "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", \
        "xmm13", "xmm14", "xmm15"
