#pragma once

// Running the wabt tools the hosted spec driver needs (wast2json, wat2wasm).
#include <string>
#include <vector>

namespace ath::spec::host {

// Runs `argv` (argv[0] looked up in PATH) with stdout and stderr sent to `log_path` ("" =
// /dev/null). Returns the exit status, or -1 when it could not run or died from a signal.
int run_process(const std::vector<std::string>& argv, const std::string& log_path);

bool read_file(const std::string& path, std::string& contents);
// The lines of `text`, split at '\n' (a last line without '\n' counts, an empty tail does not).
std::vector<std::string> split_lines(const std::string& text);
bool write_file(const std::string& path, const std::string& contents);
bool file_exists(const std::string& path);
// Creates a directory and its parents; removes every file in it first when `empty` is set.
bool make_directory(const std::string& path, bool empty);

} // namespace ath::spec::host
