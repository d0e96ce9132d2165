#include "Process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace ath::spec::host {

int run_process(const std::vector<std::string>& argv, const std::string& log_path)
{
    std::vector<char*> arguments;
    for (auto& argument : argv)
        arguments.push_back(const_cast<char*>(argument.c_str()));
    arguments.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const char* log = log_path.empty() ? "/dev/null" : log_path.c_str();
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid;
    int spawned = posix_spawnp(&pid, arguments[0], &actions, nullptr, arguments.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0)
        return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool read_file(const std::string& path, std::string& contents)
{
    FILE* file = fopen(path.c_str(), "rb");
    if (!file)
        return false;
    contents.clear();
    char buffer[65536];
    size_t count;
    while ((count = fread(buffer, 1, sizeof(buffer), file)) > 0)
        contents.append(buffer, count);
    bool ok = !ferror(file);
    fclose(file);
    return ok;
}

std::vector<std::string> split_lines(const std::string& text)
{
    std::vector<std::string> lines;
    size_t position = 0;
    while (position < text.size()) {
        size_t end = text.find('\n', position);
        if (end == std::string::npos)
            end = text.size();
        lines.push_back(text.substr(position, end - position));
        position = end + 1;
    }
    return lines;
}

bool write_file(const std::string& path, const std::string& contents)
{
    std::string temporary = path + ".tmp";
    FILE* file = fopen(temporary.c_str(), "wb");
    if (!file)
        return false;
    bool ok = fwrite(contents.data(), 1, contents.size(), file) == contents.size();
    ok = (fclose(file) == 0) && ok;
    // Readers never see a half-written file.
    return ok && rename(temporary.c_str(), path.c_str()) == 0;
}

bool file_exists(const std::string& path)
{
    struct stat info;
    return stat(path.c_str(), &info) == 0;
}

bool make_directory(const std::string& path, bool empty)
{
    for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1))
        mkdir(path.substr(0, slash).c_str(), 0755);
    if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
        return false;
    if (!empty)
        return true;
    DIR* directory = opendir(path.c_str());
    if (!directory)
        return false;
    while (dirent* entry = readdir(directory)) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            unlink((path + "/" + entry->d_name).c_str());
    }
    closedir(directory);
    return true;
}

} // namespace ath::spec::host
