#pragma once

namespace ath::runtime {

// Runs the .init_array entries once, early in kernel_main (before anything reads a global object).
void run_global_constructors();

} // namespace ath::runtime
