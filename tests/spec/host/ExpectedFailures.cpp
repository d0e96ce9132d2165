#include "ExpectedFailures.h"

#include "Process.h"

namespace ath::spec::host {

namespace {

std::string trim(const std::string& text)
{
    size_t start = text.find_first_not_of(" \t\r");
    if (start == std::string::npos)
        return "";
    size_t stop = text.find_last_not_of(" \t\r");
    return text.substr(start, stop - start + 1);
}

} // namespace

std::string failure_key(const std::string& file, unsigned line, unsigned ordinal)
{
    std::string key = file + ":" + std::to_string(line);
    if (ordinal > 1)
        key += "." + std::to_string(ordinal);
    return key;
}

std::string file_of_key(const std::string& key)
{
    size_t colon = key.rfind(':');
    return colon == std::string::npos ? key : key.substr(0, colon);
}

bool ExpectedFailures::load(const std::string& path, ExpectedFailures& list, std::string& error)
{
    std::string text;
    if (!read_file(path, text)) {
        error = "cannot read " + path;
        return false;
    }
    unsigned line_number = 0;
    for (std::string line : split_lines(text)) {
        ++line_number;
        size_t comment = line.find('#');
        if (comment != std::string::npos)
            line = line.substr(0, comment);
        line = trim(line);
        if (line.empty())
            continue;
        if (line.find(':') == std::string::npos || line.find(' ') != std::string::npos) {
            error = path + ":" + std::to_string(line_number) + ": expected 'file:line', got '" + line + "'";
            return false;
        }
        list.keys.insert(line);
    }
    return true;
}

std::set<std::string> ExpectedFailures::keys_of(const std::string& file) const
{
    std::set<std::string> result;
    for (auto& key : keys) {
        if (file_of_key(key) == file)
            result.insert(key);
    }
    return result;
}

std::string format_expected_failures(const std::map<std::string, std::vector<Failure>>& failures_by_file)
{
    std::string text =
        "# Spec-suite commands that fail today on the engine (the ratchet of tests/spec; see README.md).\n"
        "# A failure missing here fails ctest (a regression); a listed command that passes fails it too\n"
        "# (shrink the list). Regenerate: cmake --build <build>/hosted --target spec-update-expected\n"
        "# Format: <wast file>:<line>[.<n-th command on that line>]  # reason\n";
    size_t total = 0;
    for (auto& [file, failures] : failures_by_file)
        total += failures.size();
    text += "# " + std::to_string(total) + " commands\n";
    for (auto& [file, failures] : failures_by_file) {
        if (failures.empty())
            continue;
        text += "\n";
        for (auto& failure : failures) {
            std::string reason = failure.description;
            for (char& c : reason) {
                if (c == '\n' || c == '\r')
                    c = ' ';
            }
            if (reason.size() > 160)
                reason = reason.substr(0, 157) + "...";
            text += failure.key + "  # " + reason + "\n";
        }
    }
    return text;
}

} // namespace ath::spec::host
