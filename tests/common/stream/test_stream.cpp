// The stream kinds of common/stream/stream.hpp with a small Transform: text in,
// words out, a partial word held back until more text or the end.
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/stream/bounded_queue.hpp"
#include "common/stream/stream.hpp"

using namespace flowcast::common;

namespace {

// Splits text into words on spaces. A word at the end of a write may go on
// in the next one, so it is held until a space or end().
class WordSplitter : public Transform<std::string, std::string> {
 public:
  int flushes_held = 0;

 protected:
  bool transform(std::string text) override {
    bool more = true;
    for (char c : text) {
      if (c != ' ') {
        held_ += c;
        continue;
      }
      if (!held_.empty()) more = push(std::exchange(held_, {})) && more;
    }
    return more;
  }
  void flush_held() override {
    ++flushes_held;
    if (!held_.empty()) push(std::exchange(held_, {}));
  }

 private:
  std::string held_;
};

std::vector<std::string> pop_all(BoundedQueue<std::string>& q) {
  std::vector<std::string> out;
  while (auto w = q.try_pop()) out.push_back(*w);
  return out;
}

}  // namespace

TEST_CASE("Transform: words go downstream, a partial word waits", "[unit][stream]") {
  BoundedQueue<std::string> words(100);
  WordSplitter split;
  split.pipe(words);
  CHECK(split.write("the quick bro"));
  CHECK(pop_all(words) == std::vector<std::string>{"the", "quick"});
  CHECK(split.write("wn fox  jumps "));
  CHECK(pop_all(words) == std::vector<std::string>{"brown", "fox", "jumps"});
}

TEST_CASE("Transform: the destination's backpressure is the transform's", "[unit][stream]") {
  BoundedQueue<std::string> words(3);
  WordSplitter split;
  split.pipe(words);
  int drains = 0;
  words.on_drain([&] { ++drains; });

  CHECK(split.write("one two "));
  CHECK_FALSE(split.write("three four "));  // the third word reaches the mark
  CHECK(words.size() == 4);                 // nothing was lost
  CHECK(words.try_pop() == "one");
  CHECK(drains == 0);  // four, then three: still at the mark
  CHECK(words.try_pop() == "two");
  CHECK(drains == 1);
  CHECK(words.try_pop() == "three");
  CHECK(split.write("five "));  // two held: below the mark again
  CHECK(words.size() == 2);
}

TEST_CASE("Transform: end() flushes what is held and ends downstream", "[unit][stream]") {
  BoundedQueue<std::string> words(100);
  WordSplitter split;
  split.pipe(words);
  CHECK(split.write("last wor"));
  CHECK(words.size() == 1);
  split.end();
  CHECK(split.flushes_held == 1);
  CHECK(words.pop() == "last");
  CHECK(words.pop() == "wor");
  CHECK(words.drained());  // the queue was closed by end()
  CHECK_FALSE(words.pop());
}

TEST_CASE("Transform: unpiped, writes go nowhere and report no backpressure", "[unit][stream]") {
  WordSplitter split;
  CHECK(split.write("a b c d e f "));
  split.end();
  CHECK(split.flushes_held == 1);
}
