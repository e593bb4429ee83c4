// A float-to-integer conversion out of range (undefined behaviour, C++
// [conv.fpint]): what UBSan's float-cast-overflow check reports. gcc leaves
// that check out of -fsanitize=undefined (clang includes it), so the asan
// preset names it; CTest's sanitizer.float_cast_overflow passes only if this
// program is stopped with the report, and fails if the check is missing.
// The value comes from the command line, so the compiler cannot fold it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  const double value = argc > 1 ? std::strtod(argv[1], nullptr) : 4.37718e9;
  const auto converted = static_cast<uint32_t>(value);
  std::printf("%u\n", converted);
  return 0;
}
