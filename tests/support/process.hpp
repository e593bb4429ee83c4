#pragma once
// Test support: real processes (the project's binaries, ffmpeg, Xvfb) with
// their output in files, deadlines instead of sleeps, and temporary folders.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace flowcast::test {

// A child process. Its stdout and stderr go to log_path. Killed (SIGKILL) on
// destruction if still running.
class Process {
 public:
  Process(std::vector<std::string> argv, std::string log_path,
          std::vector<std::string> extra_env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Waits up to timeout; the exit code, or nullopt if still running. A
  // process killed by a signal reports 128 + signal.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  void signal(int sig);
  bool running();
  std::string log() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

// Runs a command line through /bin/sh, returns its exit status.
int run_shell(const std::string& command);
// A fresh directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A port free for both TCP and UDP on 127.0.0.1 right now.
uint16_t free_port();
std::string read_file(const std::string& path);
bool file_exists(const std::string& path);
// Waits until the log of p contains needle, or the deadline passes.
bool wait_for_log(Process& p, const std::string& needle, std::chrono::milliseconds timeout);

// The hash column of a framemd5 file, in order.
std::vector<std::string> framemd5_hashes(const std::string& path);

// Encodes a test clip with the ffmpeg command line. Returns false if ffmpeg failed.
bool make_clip(const std::string& path, const std::string& size, int fps, double seconds,
               int b_frames, const std::string& bitrate = "1M");
// Writes ffmpeg's own framemd5 of a clip's video (the bit-exact reference).
// Returns false if ffmpeg failed.
bool make_reference_framemd5(const std::string& clip, const std::string& out_path);

}  // namespace flowcast::test
