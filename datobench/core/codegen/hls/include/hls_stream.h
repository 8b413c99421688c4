// hls_stream.h -- datobench's stand-in for Vitis HLS's <hls_stream.h>, used for C simulation
// (backend="csim") with plain g++ and -DDATO_CSIM.
//
// Vitis's own C simulation gives every hls::stream an unbounded queue and runs the processes of
// a dataflow region one after another, so a FIFO that is too shallow never shows up. Here:
//   * hls::stream<T, DEPTH> is a bounded FIFO: write() blocks while it holds DEPTH items and
//     read() blocks while it is empty, as in hardware;
//   * each DATO_PROCESS(...) of a dataflow region runs in a thread of its own;
//   * a watchdog reports a deadlock (every live process waits in a stream, and nothing moves)
//       DATO_DEADLOCK <read|write> <stream name> <size>/<depth>   (one line per waiting process)
//       DATO_DEADLOCK_END
//     on stderr, and ends the program with exit code 3;
//   * DATO_LOOP_BUDGET(site, start, stop, step), before each loop, spends the loop's trip
//     count from the run's budget of loop iterations (dato_csim::loop_budget, set by the
//     driver); a loop that overspends it reports
//       DATO_BUDGET <site>
//     on stderr and ends the program with exit code 4 (as the functional simulator does).
// A process that polls with read_nb/write_nb never waits, so a livelock is not reported.
#ifndef DATO_HLS_STREAM_H
#define DATO_HLS_STREAM_H

#ifdef DATO_CSIM

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#ifndef DATO_DEADLOCK_GRACE_MS  // how long everything must stay stuck to be a deadlock
#define DATO_DEADLOCK_GRACE_MS 200
#endif
#ifndef DATO_DEADLOCK_POLL_MS  // how often the watchdog looks
#define DATO_DEADLOCK_POLL_MS 20
#endif

namespace dato_csim {

// What the watchdog needs to know about a stream, whatever its element type.
// Not copyable (it holds a mutex), like Vitis's streams.
class stream_base {
 public:
  // (name_ is constructed, not assigned: GCC 12 warns wrongly (-Wrestrict) on an assignment.)
  stream_base(const char* name, int depth)
      : depth_(depth), name_(name ? std::string(name) : address_name()) {}

 protected:
  friend struct registry;
  mutable std::mutex mu_;      // guards the derived class's items and changes of count_
  std::atomic<int> count_{0};  // items held (atomic, so that it may be peeked at without mu_)
  const int depth_;
  std::string name_;

 private:
  std::string address_name() const {
    char buf[48];
    std::snprintf(buf, sizeof buf, "stream@%p", static_cast<const void*>(this));
    return buf;
  }
};

// A process waiting in a blocking read or write; it lives on the waiting thread's stack.
struct waiter {
  const stream_base* stream;
  bool reading;
};

// The bookkeeping of the running dataflow region(s), shared by all threads of the program.
// Lock order: a stream's mutex, then the registry's (the watchdog only try_locks streams).
struct registry {
  std::mutex mu;
  int live = 0;                        // threads taking part that have not finished
  std::vector<const waiter*> blocked;  // those of them waiting in a stream
  unsigned long epoch = 0;             // bumped whenever `live` or `blocked` change
  int regions = 0;                     // dataflow regions running (nested or not)
  unsigned long generation = 0;        // bumped when the last region ends: watchdog, stop
  std::condition_variable tick;
  std::thread watchdog;

  static registry& get() {
    static registry r;
    return r;
  }

  void block(const waiter* w) {  // called with w's stream mutex held
    std::lock_guard<std::mutex> g(mu);
    blocked.push_back(w);
    ++epoch;
  }
  void unblock(const waiter* w) {  // likewise; so a stream outlives its waiters' entries
    std::lock_guard<std::mutex> g(mu);
    std::erase(blocked, w);
    ++epoch;
  }
  void count_live(int delta) {
    std::lock_guard<std::mutex> g(mu);
    live += delta;
    ++epoch;
  }

  // True when every live thread waits on a stream that still is empty (read) or full (write):
  // then none of them can ever go on. Called with `mu` held.
  bool stuck() const {
    if (live == 0 || static_cast<int>(blocked.size()) != live) return false;
    for (const waiter* w : blocked) {
      std::unique_lock<std::mutex> lk(w->stream->mu_, std::try_to_lock);
      if (!lk.owns_lock()) return false;  // somebody is using that stream right now
      const stream_base& s = *w->stream;
      if (w->reading ? s.count_ != 0 : s.count_ != s.depth_) return false;  // about to wake
    }
    return true;
  }

  [[noreturn]] void report() const {  // called with `mu` held; lines sorted by stream name
    std::vector<const waiter*> ws = blocked;
    std::sort(ws.begin(), ws.end(), [](const waiter* a, const waiter* b) {
      return a->stream->name_ < b->stream->name_;
    });
    for (const waiter* w : ws) {
      const stream_base& s = *w->stream;
      std::fprintf(stderr, "DATO_DEADLOCK %s %s %d/%d\n", w->reading ? "read" : "write",
                   s.name_.c_str(), s.count_.load(), s.depth_);
    }
    std::fprintf(stderr, "DATO_DEADLOCK_END\n");
    std::fflush(stderr);
    std::_Exit(3);  // no destructors: the stuck threads could never be joined
  }

  // The watchdog thread: reports once stuck() has held for the grace period with no thread
  // starting, finishing, blocking or waking in between.
  void watch(unsigned long my_generation) {
    using clock = std::chrono::steady_clock;
    std::unique_lock<std::mutex> lk(mu);
    bool was_stuck = false;
    unsigned long seen = 0;
    clock::time_point since;
    while (generation == my_generation) {
      tick.wait_for(lk, std::chrono::milliseconds(DATO_DEADLOCK_POLL_MS));
      if (generation != my_generation || !stuck()) {
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

// Whether this thread takes part (counts as live): a process, or a thread starting processes.
inline thread_local bool participant = false;

// One dataflow region: DATO_DATAFLOW_BEGIN creates it, each DATO_PROCESS starts a thread,
// DATO_DATAFLOW_END joins them. The outermost region runs the watchdog.
class dataflow {
 public:
  dataflow() : was_participant_(participant) {
    registry& r = registry::get();
    std::lock_guard<std::mutex> g(r.mu);
    if (r.regions++ == 0) {
      r.watchdog = std::thread([&r, gen = r.generation] { r.watch(gen); });
    }
    // While this thread starts processes it counts as live and busy, so that processes which
    // block at once are not taken for a deadlock before their partners exist.
    if (!participant) ++r.live;
    participant = true;
  }
  ~dataflow() { finish(); }

  template <typename F>
  void spawn(F&& body) {
    registry::get().count_live(+1);
    threads_.emplace_back([body = std::forward<F>(body)]() mutable {
      participant = true;
      body();
      registry::get().count_live(-1);  // a finished process no longer counts
    });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    registry& r = registry::get();
    r.count_live(-1);  // while joining, this thread only waits for its processes
    participant = false;
    for (std::thread& t : threads_) t.join();
    participant = was_participant_;
    std::thread watchdog;
    {
      std::lock_guard<std::mutex> g(r.mu);
      if (was_participant_) ++r.live;  // a process that ran a nested region goes on
      if (--r.regions == 0) {
        ++r.generation;
        r.tick.notify_all();
        watchdog = std::move(r.watchdog);
      }
    }
    if (watchdog.joinable()) watchdog.join();
  }

 private:
  std::list<std::thread> threads_;  // not a vector: GCC 12 warns wrongly on its regrowth
  bool was_participant_;
  bool finished_ = false;
};

}  // namespace dato_csim

namespace hls {

// A bounded FIFO of DEPTH items, written by one process and read by another.
template <typename T, int DEPTH = 2>
class stream : public dato_csim::stream_base {
  static_assert(DEPTH >= 1, "an hls::stream needs a depth of at least 1");

 public:
  stream() : stream_base(nullptr, DEPTH), items_(DEPTH) {}
  explicit stream(const char* name) : stream_base(name, DEPTH), items_(DEPTH) {}

  void write(const T& value) {  // blocks while full
    auto lk = acquire([this] { return count_ < DEPTH; }, not_full_, writers_waiting_, false);
    push(value, lk);
  }
  T read() {  // blocks while empty
    auto lk = acquire([this] { return count_ > 0; }, not_empty_, readers_waiting_, true);
    return pop(lk);
  }
  void read(T& value) { value = read(); }

  bool read_nb(T& value) {  // false, and value untouched, if empty
    std::unique_lock<std::mutex> lk(mu_);
    if (count_ == 0) return false;
    value = pop(lk);
    return true;
  }
  bool write_nb(const T& value) {  // false, and nothing written, if full
    std::unique_lock<std::mutex> lk(mu_);
    if (count_ == DEPTH) return false;
    push(value, lk);
    return true;
  }

  bool empty() const { return count_ == 0; }
  bool full() const { return count_ == DEPTH; }
  int size() const { return count_; }

  void operator<<(const T& value) { write(value); }
  void operator>>(T& value) { read(value); }

 private:
  // Returns mu_ locked once ready(). First yields a few times: the partner process usually
  // frees a slot or delivers an item within microseconds, much sooner than a sleep and a
  // wake-up on the condition variable take. Then sleeps, registered as blocked.
  template <typename Ready>
  std::unique_lock<std::mutex> acquire(Ready ready, std::condition_variable& cv, int& sleepers,
                                       bool reading) {
    for (int i = 0; i < 100 && !ready(); ++i) std::this_thread::yield();
    std::unique_lock<std::mutex> lk(mu_);
    if (!ready()) {
      const dato_csim::waiter me{this, reading};
      const bool watched = dato_csim::participant;  // only dataflow processes are watched
      if (watched) dato_csim::registry::get().block(&me);
      ++sleepers;
      cv.wait(lk, ready);
      --sleepers;
      if (watched) dato_csim::registry::get().unblock(&me);
    }
    return lk;
  }

  // Both are called with lk holding mu_, and unlock it before waking the partner, so that the
  // woken thread does not have to wait for the mutex.
  void push(const T& value, std::unique_lock<std::mutex>& lk) {  // there is room
    items_[(head_ + count_) % DEPTH] = value;
    ++count_;
    const bool wake = readers_waiting_ > 0;
    lk.unlock();
    if (wake) not_empty_.notify_one();
  }
  T pop(std::unique_lock<std::mutex>& lk) {  // there is an item
    T value = std::move(items_[head_]);
    head_ = (head_ + 1) % DEPTH;
    --count_;
    const bool wake = writers_waiting_ > 0;
    lk.unlock();
    if (wake) not_full_.notify_one();
    return value;
  }

  std::vector<T> items_;  // a ring: count_ items from head_ on
  int head_ = 0;
  int readers_waiting_ = 0, writers_waiting_ = 0;
  std::condition_variable not_empty_, not_full_;
};

}  // namespace hls

namespace dato_csim {

inline std::atomic<long long> loop_budget{0};  // loop iterations left for the whole run

inline void spend_loop_budget(int site, long long start, long long stop, long long step) {
  long long trips = 0;
  if (step > 0 && stop > start) trips = (stop - start + step - 1) / step;
  if (step < 0 && start > stop) trips = (start - stop - step - 1) / -step;
  if (loop_budget.fetch_sub(trips, std::memory_order_relaxed) - trips < 0) {
    std::fprintf(stderr, "DATO_BUDGET %d\n", site);
    std::fflush(stderr);
    std::_Exit(4);  // no destructors: the other processes may be blocked in streams
  }
}

}  // namespace dato_csim

#define DATO_LOOP_BUDGET(site, start, stop, step) \
  ::dato_csim::spend_loop_budget(site, start, stop, step)

// A dataflow region: one thread per process, all joined at the end of the region.
#define DATO_DATAFLOW_BEGIN { ::dato_csim::dataflow dato_dataflow_;
#define DATO_PROCESS(...) dato_dataflow_.spawn([&] { __VA_ARGS__; })
#define DATO_DATAFLOW_END dato_dataflow_.finish(); }

#endif  // DATO_CSIM

#ifndef DATO_CSIM
// Synthesis: Vitis's own hls_stream.h is used instead of this file; for completeness, the
// dataflow macros then reduce to plain calls, one after another.
#define DATO_DATAFLOW_BEGIN
#define DATO_PROCESS(...) __VA_ARGS__
#define DATO_DATAFLOW_END
#endif  // !DATO_CSIM

#endif  // DATO_HLS_STREAM_H
