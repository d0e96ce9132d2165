#pragma once

// The ratchet: tests/spec/expected-failures.txt lists the commands ("file:line", "file:line.2"
// for a second command on one line) that fail today. A failure not listed is a regression; a
// listed command that passes makes the list stale. Both fail the run.
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ath::spec::host {

struct Failure {
    std::string key; // "address:123" or "left-to-right:181.2"
    unsigned line { 0 };
    std::string description;
};

struct ExpectedFailures {
    std::set<std::string> keys;

    static bool load(const std::string& path, ExpectedFailures& list, std::string& error);
    // Keys of one .wast file.
    std::set<std::string> keys_of(const std::string& file) const;
};

// The file's text for these failures, grouped by .wast file, commented with their reasons.
std::string format_expected_failures(const std::map<std::string, std::vector<Failure>>& failures_by_file);

std::string failure_key(const std::string& file, unsigned line, unsigned ordinal);
std::string file_of_key(const std::string& key);

} // namespace ath::spec::host
