#pragma once
// The send side of the server's TCP connections (a flowcast TCP session,
// an RTSP connection): a queue of bytes with one async_write in flight at a
// time, which carries everything queued when it starts; the bytes queued
// and not yet taken by the kernel, counted, so the owner can hold its
// sessions back; a drain notice when a write leaves the queue at or below
// its mark; and a close after the last byte (FIN, with the socket still
// read: closing with unread input would reset the connection and could cost
// the client its tail).
//
// Not the client's TcpWriteQueue, on purpose: that one offers every write to
// the kernel at once, so what is written right before a close is not lost,
// and needs no count; a server that writes each packet of a burst at once
// would make one system call per packet where this makes one per write.
//
// Threads: the socket's network thread only; nothing blocks.
#include <asio.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace flowcast::server {

class TcpSendQueue {
 public:
  // The queue's owner: told what its writes did, from within their handlers.
  class Owner {
   public:
    // A write completed and the queue holds drain_mark bytes or fewer.
    virtual void on_drained() = 0;
    // A write failed (not after stop(), and not for a socket the owner
    // closed: operation_aborted is quiet). `reason` is the error's message.
    virtual void on_write_failed(const std::string& reason) = 0;
    // After close_after_write(): everything queued has left and the FIN
    // with it. Called once.
    virtual void on_sent_all() = 0;
    // Keeps the owner (and the queue and socket it owns) alive while a write
    // is in flight.
    virtual std::shared_ptr<void> keep_alive() = 0;

   protected:
    ~Owner() = default;
  };

  // Borrows `socket` and `owner`, which outlive the queue (the owner holds
  // both).
  TcpSendQueue(asio::ip::tcp::socket& socket, size_t drain_mark, Owner& owner)
      : socket_(socket), owner_(owner), drain_mark_(drain_mark) {}

  // Queues bytes after those queued before, and starts writing them.
  void write(std::span<const uint8_t> bytes);
  // Queues what `fill(std::vector<uint8_t>&)` appends to the queue (framing
  // a packet in place, without a copy of its own); fill returns false when it
  // appended nothing. Returns what fill returned.
  template <class Fill>
  bool write_with(Fill&& fill) {
    if (stopped_) return false;
    const size_t before = pending_.size();
    if (!fill(pending_)) return false;
    queued_bytes_ += pending_.size() - before;
    do_write();
    return true;
  }
  // Bytes queued and not yet taken by the kernel (the write in flight
  // included).
  size_t queued_bytes() const { return queued_bytes_; }
  // Sends what is queued, then FIN (shutdown of the send side), then
  // on_sent_all(). Idempotent.
  void close_after_write();
  // Writes nothing more and reports nothing more (the owner closes the
  // socket). Idempotent.
  void stop() { stopped_ = true; }

 private:
  void do_write();

  asio::ip::tcp::socket& socket_;
  Owner& owner_;
  size_t drain_mark_;
  std::vector<uint8_t> pending_;  // bytes not yet handed to a write
  std::vector<uint8_t> writing_;  // the write in flight
  size_t queued_bytes_ = 0;       // pending_ + writing_
  bool write_in_flight_ = false;
  bool close_after_write_ = false;
  bool fin_sent_ = false;
  bool stopped_ = false;
};

}  // namespace flowcast::server
