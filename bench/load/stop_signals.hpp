#pragma once
// SIGINT and SIGTERM end a flowcast-load run early: every viewer still
// leaves with BYE and the results are still written. While a StopSignals
// lives, the two signals set a flag (requested()) instead of ending the
// process; the old handlers come back when it goes.
//
// Threads: made and destroyed on the thread that runs the load; requested()
// is async-signal-safe to set and read from any thread. One at a time.
#include <signal.h>

namespace flowcast::bench {

class StopSignals {
 public:
  // Clears the flag and installs the handlers.
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // A stop signal arrived since the last StopSignals was made.
  static bool requested();

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace flowcast::bench
