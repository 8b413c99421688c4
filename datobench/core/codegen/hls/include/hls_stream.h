// hls_stream.h -- datobench's stand-in for Vitis HLS's <hls_stream.h>, used for C simulation
// (backend="csim") with plain g++.
//
// Vitis's own C simulation gives every hls::stream an unbounded queue and runs the processes of
// a dataflow region one after another, so a FIFO that is too shallow never shows up. Here:
//   * hls::stream<T, DEPTH> is a bounded FIFO: write() blocks while it holds DEPTH items,
//     read() blocks while it is empty, as in hardware;
//   * each DATO_PROCESS(...) of a dataflow region runs in its own thread;
//   * a watchdog reports a deadlock (every live process blocked in a stream, nothing moving) as
//       DATO_DEADLOCK <read|write> <stream name> <size>/<depth>    (one line per blocked process)
//       DATO_DEADLOCK_END
//     on stderr and ends the program with exit code 3.
// A process that polls with read_nb/write_nb is never "blocked", so a livelock is not reported.
#ifndef DATO_HLS_STREAM_H
#define DATO_HLS_STREAM_H

#ifdef DATO_CSIM

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#ifndef DATO_DEADLOCK_GRACE_MS  // how long everything must stay stuck before it is a deadlock
#define DATO_DEADLOCK_GRACE_MS 200
#endif
#ifndef DATO_DEADLOCK_POLL_MS  // how often the watchdog looks
#define DATO_DEADLOCK_POLL_MS 20
#endif

namespace dato_csim {

// What the watchdog needs to know about a stream, whatever its element type.
class stream_base {
 public:
  stream_base(const char* name, int depth) : depth_(depth) {
    if (name) {
      name_ = name;
    } else {
      char buf[48];
      std::snprintf(buf, sizeof buf, "stream@%p", static_cast<const void*>(this));
      name_ = buf;
    }
  }
  stream_base(const stream_base&) = delete;
  stream_base& operator=(const stream_base&) = delete;

 protected:
  friend struct registry;
  mutable std::mutex mu_;  // guards count_ and the derived class's items
  int count_ = 0;
  const int depth_;
  std::string name_;
};

// A process thread waiting in a blocking read or write (it lives on that thread's stack).
struct waiter {
  const stream_base* stream;
  bool reading;
};

// The bookkeeping of the running dataflow region(s), shared by all threads of the program.
// Lock order: a stream's mutex, then the registry's; the watchdog only try_locks streams.
struct registry {
  std::mutex mu;
  int live = 0;                        // participating threads that have not finished
  std::vector<const waiter*> blocked;  // those of them waiting in a stream
  unsigned long epoch = 0;             // bumped whenever the above change
  int regions = 0;                     // dataflow regions running (nested or not)
  bool stop = false;
  std::condition_variable tick;
  std::thread watchdog;

  static registry& get() {
    static registry r;
    return r;
  }

  // True when every live thread waits on a stream that still is empty (read) or full (write):
  // then no thread can ever make progress. Called with `mu` held.
  bool stuck() const {
    if (live == 0 || static_cast<int>(blocked.size()) != live) return false;
    for (const waiter* w : blocked) {
      std::unique_lock<std::mutex> lk(w->stream->mu_, std::try_to_lock);
      if (!lk.owns_lock()) return false;  // somebody is using the stream right now
      const stream_base& s = *w->stream;
      if (w->reading ? s.count_ != 0 : s.count_ != s.depth_) return false;  // about to wake
    }
    return true;
  }

  void report() const {  // called with `mu` held; never returns
    for (const waiter* w : blocked) {
      const stream_base& s = *w->stream;
      std::fprintf(stderr, "DATO_DEADLOCK %s %s %d/%d\n", w->reading ? "read" : "write",
                   s.name_.c_str(), s.count_, s.depth_);
    }
    std::fprintf(stderr, "DATO_DEADLOCK_END\n");
    std::fflush(stderr);
    std::_Exit(3);  // no destructors: the blocked threads could never be joined
  }

  void watch() {
    using clock = std::chrono::steady_clock;
    std::unique_lock<std::mutex> lk(mu);
    bool was_stuck = false;
    unsigned long seen = 0;
    clock::time_point since;
    while (!stop) {
      tick.wait_for(lk, std::chrono::milliseconds(DATO_DEADLOCK_POLL_MS));
      if (stop) break;
      if (!stuck()) {
        was_stuck = false;
      } else if (!was_stuck || epoch != seen) {
        was_stuck = true;
        seen = epoch;
        since = clock::now();
      } else if (clock::now() - since >= std::chrono::milliseconds(DATO_DEADLOCK_GRACE_MS)) {
        report();
      }
    }
  }
};

// Whether the current thread counts as live: a process thread, or a thread starting processes.
inline thread_local bool participant = false;

// Registers the current thread as blocked on a stream for as long as it exists.
// Constructed and destroyed with the stream's mutex held, and only on the slow path.
class blocked_scope {
 public:
  blocked_scope(const stream_base* s, bool reading) : w_{s, reading}, on_(participant) {
    if (!on_) return;
    registry& r = registry::get();
    std::lock_guard<std::mutex> g(r.mu);
    r.blocked.push_back(&w_);
    ++r.epoch;
  }
  ~blocked_scope() {
    if (!on_) return;
    registry& r = registry::get();
    std::lock_guard<std::mutex> g(r.mu);
    std::erase(r.blocked, &w_);
    ++r.epoch;
  }
  blocked_scope(const blocked_scope&) = delete;
  blocked_scope& operator=(const blocked_scope&) = delete;

 private:
  waiter w_;
  bool on_;
};

// One dataflow region: DATO_DATAFLOW_BEGIN creates it, each DATO_PROCESS starts a thread,
// DATO_DATAFLOW_END joins them. The outermost region runs the watchdog.
class dataflow {
 public:
  dataflow() : was_participant_(participant) {
    registry& r = registry::get();
    std::lock_guard<std::mutex> g(r.mu);
    if (r.regions++ == 0) {
      r.stop = false;
      r.watchdog = std::thread([&r] { r.watch(); });
    }
    // While this thread starts processes it counts as live (and busy), so processes that block
    // early are not mistaken for a deadlock before their partners exist.
    if (!participant) ++r.live;
    participant = true;
  }
  dataflow(const dataflow&) = delete;
  dataflow& operator=(const dataflow&) = delete;
  ~dataflow() { finish(); }

  template <typename F>
  void spawn(F&& body) {
    registry& r = registry::get();
    {
      std::lock_guard<std::mutex> g(r.mu);
      ++r.live;
    }
    threads_.emplace_back([&r, body = std::forward<F>(body)]() mutable {
      participant = true;
      body();
      std::lock_guard<std::mutex> g(r.mu);  // finished: no longer live
      --r.live;
      ++r.epoch;
    });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    registry& r = registry::get();
    {  // While joining, this thread only waits for its processes: it does not count.
      std::lock_guard<std::mutex> g(r.mu);
      --r.live;
      ++r.epoch;
    }
    participant = false;
    for (std::thread& t : threads_) t.join();
    participant = was_participant_;
    std::thread watchdog;
    {
      std::lock_guard<std::mutex> g(r.mu);
      if (was_participant_) ++r.live;  // a process that ran a nested region goes on
      if (--r.regions == 0) {
        r.stop = true;
        r.tick.notify_all();
        watchdog = std::move(r.watchdog);
      }
    }
    if (watchdog.joinable()) watchdog.join();
  }

 private:
  std::vector<std::thread> threads_;
  bool was_participant_;
  bool finished_ = false;
};

}  // namespace dato_csim

namespace hls {

// A bounded FIFO of DEPTH items; one process writes it, another reads it.
template <typename T, int DEPTH = 2>
class stream : public dato_csim::stream_base {
  static_assert(DEPTH >= 1, "an hls::stream needs a depth of at least 1");

 public:
  stream() : stream_base(nullptr, DEPTH), items_(DEPTH) {}
  explicit stream(const char* name) : stream_base(name, DEPTH), items_(DEPTH) {}

  void write(const T& value) {  // blocks while full
    std::unique_lock<std::mutex> lk(mu_);
    if (count_ == DEPTH) {
      dato_csim::blocked_scope b(this, false);
      ++writers_waiting_;
      not_full_.wait(lk, [this] { return count_ < DEPTH; });
      --writers_waiting_;
    }
    items_[(head_ + count_) % DEPTH] = value;
    ++count_;
    if (readers_waiting_) not_empty_.notify_one();
  }

  T read() {  // blocks while empty
    std::unique_lock<std::mutex> lk(mu_);
    if (count_ == 0) {
      dato_csim::blocked_scope b(this, true);
      ++readers_waiting_;
      not_empty_.wait(lk, [this] { return count_ > 0; });
      --readers_waiting_;
    }
    return pop();
  }
  void read(T& value) { value = read(); }

  bool read_nb(T& value) {  // false (value untouched) if empty
    std::lock_guard<std::mutex> lk(mu_);
    if (count_ == 0) return false;
    value = pop();
    return true;
  }
  bool write_nb(const T& value) {  // false (nothing written) if full
    std::lock_guard<std::mutex> lk(mu_);
    if (count_ == DEPTH) return false;
    items_[(head_ + count_) % DEPTH] = value;
    ++count_;
    if (readers_waiting_) not_empty_.notify_one();
    return true;
  }

  bool empty() const { return size() == 0; }
  bool full() const { return size() == DEPTH; }
  int size() const {
    std::lock_guard<std::mutex> lk(mu_);
    return count_;
  }

  void operator<<(const T& value) { write(value); }
  void operator>>(T& value) { read(value); }

 private:
  T pop() {  // with mu_ held and count_ > 0
    T value = std::move(items_[head_]);
    head_ = (head_ + 1) % DEPTH;
    --count_;
    if (writers_waiting_) not_full_.notify_one();
    return value;
  }

  std::vector<T> items_;  // ring buffer: count_ items starting at head_
  int head_ = 0;
  int readers_waiting_ = 0, writers_waiting_ = 0;
  std::condition_variable not_empty_, not_full_;
};

}  // namespace hls

// Dataflow regions: one thread per process, joined at the end of the region.
#define DATO_DATAFLOW_BEGIN { ::dato_csim::dataflow dato_dataflow_;
#define DATO_PROCESS(...) dato_dataflow_.spawn([&] { __VA_ARGS__; })
#define DATO_DATAFLOW_END dato_dataflow_.finish(); }

#endif  // DATO_CSIM

#ifndef DATO_CSIM
// Synthesis: Vitis's own hls_stream.h is used instead of this file; for completeness, the
// dataflow macros then reduce to plain sequential calls.
#define DATO_DATAFLOW_BEGIN
#define DATO_PROCESS(...) __VA_ARGS__
#define DATO_DATAFLOW_END
#endif  // !DATO_CSIM

#endif  // DATO_HLS_STREAM_H
