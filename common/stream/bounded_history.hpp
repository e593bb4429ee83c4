#pragma once
// Bounded histories: what a stage remembers of the recent past, never more
// than a fixed number of entries, whatever a peer sends.
//  - BoundedWindow<T>: the last `capacity` values pushed, oldest first; a
//    push past the capacity forgets the oldest.
//  - RecentSet<T>: the last `capacity` distinct values inserted, for
//    membership ("was this seen lately?"); an insert past the capacity
//    forgets the value inserted longest ago.
// Threads: none of their own; not thread-safe, one owner (the caller locks).
#include <cstddef>
#include <deque>
#include <set>

namespace flowcast::common {

template <typename T>
class BoundedWindow {
 public:
  explicit BoundedWindow(size_t capacity) : capacity_(capacity) {}

  void push(T value) {
    values_.push_back(std::move(value));
    if (values_.size() > capacity_) values_.pop_front();
  }
  void clear() { values_.clear(); }
  bool empty() const { return values_.empty(); }
  size_t size() const { return values_.size(); }
  size_t capacity() const { return capacity_; }
  auto begin() const { return values_.begin(); }
  auto end() const { return values_.end(); }

 private:
  size_t capacity_;
  std::deque<T> values_;  // oldest first
};

template <typename T>
class RecentSet {
 public:
  explicit RecentSet(size_t capacity) : order_(capacity) {}

  // Remembers value; false when it was remembered already (its age stays).
  bool insert(const T& value) {
    if (!members_.insert(value).second) return false;
    if (order_.size() == order_.capacity()) members_.erase(*order_.begin());
    order_.push(value);
    return true;
  }
  bool contains(const T& value) const { return members_.count(value) > 0; }
  bool empty() const { return members_.empty(); }
  size_t size() const { return members_.size(); }

 private:
  std::set<T> members_;
  BoundedWindow<T> order_;  // insertion order, to forget the oldest
};

}  // namespace flowcast::common
