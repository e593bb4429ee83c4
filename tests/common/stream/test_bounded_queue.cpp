// BoundedQueue: the high-water mark, drain, and close() waking both kinds of
// waiter, the resume mark. Threads synchronise through the queues
// themselves; nothing sleeps, and one check that a writer still waits gives
// it 50 ms to show it does not.
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/stream/bounded_queue.hpp"

using namespace flowcast::common;

TEST_CASE("BoundedQueue: write returns false at the high-water mark", "[unit][bounded_queue]") {
  BoundedQueue<int> q(3);
  CHECK(q.write(1));
  CHECK(q.write(2));
  CHECK_FALSE(q.write(3));  // the third reaches the mark...
  CHECK(q.size() == 3);     // ...and is taken all the same
  CHECK_FALSE(q.write(4));
  CHECK(q.size() == 4);
  CHECK(q.try_pop() == 1);
  CHECK(q.try_pop() == 2);
  CHECK(q.try_pop() == 3);
  CHECK(q.try_pop() == 4);
  CHECK_FALSE(q.try_pop());
}

TEST_CASE("BoundedQueue: drain fires once when a pop takes it below the mark",
          "[unit][bounded_queue]") {
  BoundedQueue<int> q(2);
  int drains = 0;
  q.on_drain([&] { ++drains; });
  CHECK(q.write(1));
  CHECK(q.try_pop() == 1);
  CHECK(drains == 0);  // no write returned false: nothing to signal

  CHECK(q.write(2));
  CHECK_FALSE(q.write(3));
  CHECK_FALSE(q.write(4));
  CHECK(q.try_pop() == 2);  // 2 left: still at the mark
  CHECK(drains == 0);
  CHECK(q.pop() == 3);  // 1 left: below
  CHECK(drains == 1);
  CHECK(q.try_pop() == 4);
  CHECK(drains == 1);

  // The next time round, it fires again.
  CHECK(q.write(5));
  CHECK_FALSE(q.write(6));
  CHECK(q.try_pop() == 5);
  CHECK(drains == 2);
}

TEST_CASE("BoundedQueue: values are moved, peek borrows", "[unit][bounded_queue]") {
  BoundedQueue<std::unique_ptr<std::string>> q(4);
  CHECK_FALSE(q.peek([](auto&) {}));
  CHECK(q.write(std::make_unique<std::string>("first")));
  std::string seen;
  CHECK(q.peek([&](const std::unique_ptr<std::string>& v) { seen = *v; }));
  CHECK(seen == "first");
  CHECK(q.size() == 1);
  auto v = q.pop();
  REQUIRE(v);
  REQUIRE(*v);
  CHECK(**v == "first");
}

TEST_CASE("BoundedQueue: close drains what is left, then pops return nullopt",
          "[unit][bounded_queue]") {
  BoundedQueue<int> q(4);
  q.write(1);
  q.write(2);
  CHECK(q.discarded() == 0);
  q.close();
  CHECK_FALSE(q.write(3));  // dropped once closed, and counted
  CHECK_FALSE(q.write(4));
  CHECK(q.discarded() == 2);
  CHECK(q.size() == 2);
  CHECK_FALSE(q.drained());
  CHECK(q.pop() == 1);
  CHECK(q.pop() == 2);
  CHECK(q.drained());
  CHECK_FALSE(q.pop());  // does not block
  CHECK_FALSE(q.wait_for_drain());
}

TEST_CASE("BoundedQueue: a pop blocked on an empty queue", "[unit][bounded_queue]") {
  BoundedQueue<int> q(4);

  SECTION("is woken by close()") {
    std::optional<int> got = 7;
    std::thread reader([&] { got = q.pop(); });
    q.close();
    reader.join();
    CHECK_FALSE(got);
  }

  SECTION("is woken by a write") {
    // The reader tells the main thread it is about to wait through a second
    // queue, so the write usually finds it blocked; either way it gets 42.
    BoundedQueue<int> ready(4);
    std::optional<int> got;
    std::thread reader([&] {
      ready.write(1);
      got = q.pop();
    });
    REQUIRE(ready.pop() == 1);
    q.write(42);
    reader.join();
    CHECK(got == 42);
  }
}

TEST_CASE("BoundedQueue: a writer blocked in wait_for_drain", "[unit][bounded_queue]") {
  BoundedQueue<int> q(2);
  q.write(1);
  REQUIRE_FALSE(q.write(2));

  SECTION("is woken by close(), and told so") {
    bool result = true;
    std::thread writer([&] { result = q.wait_for_drain(); });
    q.close();
    writer.join();
    CHECK_FALSE(result);
  }

  SECTION("is released by a pop below the mark") {
    bool result = false;
    BoundedQueue<int> ready(4);
    std::thread writer([&] {
      ready.write(1);
      result = q.wait_for_drain();
      if (result) q.write(3);
    });
    REQUIRE(ready.pop() == 1);
    CHECK(q.pop() == 1);
    writer.join();
    CHECK(result);
    CHECK(q.pop() == 2);
    CHECK(q.pop() == 3);
  }
}

TEST_CASE("BoundedQueue: a zero mark behaves as one", "[unit][bounded_queue]") {
  BoundedQueue<int> q(0);
  CHECK_FALSE(q.write(1));
  CHECK(q.try_pop() == 1);
  CHECK_FALSE(q.write(2));
}

TEST_CASE("BoundedQueue: wait_until_not_empty", "[unit][bounded_queue]") {
  using Clock = std::chrono::steady_clock;
  BoundedQueue<int> q(4);

  SECTION("returns false at a deadline already past") {
    CHECK_FALSE(q.wait_until_not_empty(Clock::now() - std::chrono::seconds(1)));
  }

  SECTION("returns true at once when an item is there") {
    q.write(1);
    CHECK(q.wait_until_not_empty(Clock::now() - std::chrono::seconds(1)));
  }

  SECTION("is woken by a write long before its deadline") {
    BoundedQueue<int> ready(4);
    bool got = false;
    std::thread reader([&] {
      ready.write(1);
      got = q.wait_until_not_empty(Clock::now() + std::chrono::hours(1));
    });
    REQUIRE(ready.pop() == 1);
    q.write(42);
    reader.join();  // an hour's deadline: only the write ends the wait
    CHECK(got);
    CHECK(q.try_pop() == 42);
  }

  SECTION("is woken by close() with nothing to take") {
    std::thread reader(
        [&] { CHECK_FALSE(q.wait_until_not_empty(Clock::now() + std::chrono::hours(1))); });
    q.close();
    reader.join();
  }
}

TEST_CASE("BoundedQueue: a resume mark lets a stopped writer go only below it",
          "[unit][bounded_queue]") {
  BoundedQueue<int> q(4, 2);  // stop at 4 held, go on below 2
  int drains = 0;
  q.on_drain([&] { ++drains; });
  for (int i = 1; i <= 3; ++i) CHECK(q.write(i));
  CHECK_FALSE(q.write(4));
  CHECK(q.try_pop() == 1);  // 3 held: below the high-water mark, not below 2
  CHECK(q.try_pop() == 2);  // 2 held
  CHECK(drains == 0);
  CHECK(q.try_pop() == 3);  // 1 held: the writer may go on
  CHECK(drains == 1);

  SECTION("a waiting writer is released by the pop that crosses it, not before") {
    CHECK(q.write(5));
    CHECK(q.write(6));
    REQUIRE_FALSE(q.write(7));  // 4, 5, 6, 7 held
    bool result = false;
    BoundedQueue<int> ready(4);
    BoundedQueue<int> released(4);
    std::thread writer([&] {
      ready.write(1);
      result = q.wait_for_drain();
      released.write(static_cast<int>(q.size()));
    });
    REQUIRE(ready.pop() == 1);
    CHECK(q.pop() == 4);
    CHECK(q.pop() == 5);  // 2 held: the writer still waits (the one timed wait here)
    CHECK_FALSE(released.wait_until_not_empty(std::chrono::steady_clock::now() +
                                              std::chrono::milliseconds(50)));
    CHECK(q.pop() == 6);  // 1 held: below 2
    const auto held = released.pop();
    writer.join();
    CHECK(result);
    REQUIRE(held);
    CHECK(*held <= 1);
  }

  SECTION("close() releases a writer waiting between the marks") {
    CHECK(q.write(5));
    CHECK(q.write(6));
    REQUIRE_FALSE(q.write(7));
    CHECK(q.pop() == 4);  // 3 held: between the marks
    bool result = true;
    std::thread writer([&] { result = q.wait_for_drain(); });
    q.close();
    writer.join();
    CHECK_FALSE(result);
  }
}

TEST_CASE("BoundedQueue: a resume mark above the high-water mark is the high-water mark",
          "[unit][bounded_queue]") {
  BoundedQueue<int> q(2, 9);
  int drains = 0;
  q.on_drain([&] { ++drains; });
  CHECK(q.write(1));
  CHECK_FALSE(q.write(2));
  CHECK_FALSE(q.write(3));
  CHECK(q.try_pop() == 1);  // 2 held: at the high-water mark, though below 9
  CHECK(drains == 0);
  CHECK(q.try_pop() == 2);  // 1 held: below it
  CHECK(drains == 1);
}

TEST_CASE("BoundedQueue: a resume mark of 0 is the high-water mark", "[unit][bounded_queue]") {
  BoundedQueue<int> q(2, 0);
  int drains = 0;
  q.on_drain([&] { ++drains; });
  CHECK(q.write(1));
  CHECK_FALSE(q.write(2));
  CHECK(q.try_pop() == 1);
  CHECK(drains == 1);
}
