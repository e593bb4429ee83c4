#pragma once
// Whether the tests and the binaries they run are built with AddressSanitizer
// (the asan preset). Such a build runs two to three times slower, and on a
// loaded 2-core machine its threads wake tens of ms late. A test that bounds
// wall-clock precision states the bound the release build must hold, and
// gives a sanitized build a wider one, so that the sanitizer pass still runs
// its code and its other checks.
namespace flowcast::test {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace flowcast::test
