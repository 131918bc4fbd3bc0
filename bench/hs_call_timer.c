/* LD_PRELOAD shim for the replay benchmark: times every call flowprobe makes into
 * Hyperscan on the packet path (hs_scan, hs_scan_stream, hs_open_stream, hs_reset_stream,
 * hs_close_stream) and, apart, the match callbacks Hyperscan makes back into flowprobe
 * from inside them (the probe's own per-match checks). Scan time less callback time is
 * Hyperscan's own work: with the nDPI shim (ndpi_call_timer.c) it says how much of a pass
 * the two libraries take whatever the rest of the path does (bench/RESULTS.md). Not part
 * of the probe. Single-threaded use (one RX core): plain counters.
 *
 *   LD_PRELOAD=build/bench/libflowprobe-hs-call-timer.so flowprobe ... --rules DIR
 * prints on stderr, once the program exits:
 *   hs-call-timer: calls N seconds S callbacks M seconds C; own seconds S-C
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

#include <hs/hs.h>

#include "tsc_clock.h"

static uint64_t calls, call_tsc, callbacks, callback_tsc;
/* By entry point, in the order of kNames. */
enum { kScan, kScanStream, kOpen, kReset, kClose, kKinds };
static const char* const kNames[kKinds] = {"scan", "scan_stream", "open_stream", "reset_stream", "close_stream"};
static uint64_t kind_calls[kKinds], kind_tsc[kKinds], kind_bytes[kKinds];
__attribute__((constructor)) static void start(void) { tsc_clock_start(); }

/* The caller's callback and context, passed to Hyperscan in their place. */
struct wrapped {
  match_event_handler handler;
  void* context;
};

static int timed_handler(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
                         void* ctx) {
  const struct wrapped* w = (const struct wrapped*)ctx;
  const uint64_t t0 = __rdtsc();
  const int r = w->handler(id, from, to, flags, w->context);
  callback_tsc += __rdtsc() - t0;
  ++callbacks;
  return r;
}

#define REAL(name, type)                                  \
  static type real;                                       \
  if (!real) real = (type)dlsym(RTLD_NEXT, #name)

#define TIMED(kind, bytes, expr)             \
  const uint64_t t0 = __rdtsc();             \
  const hs_error_t rc = (expr);              \
  const uint64_t dt = __rdtsc() - t0;        \
  call_tsc += dt;                            \
  ++calls;                                   \
  kind_tsc[kind] += dt;                      \
  ++kind_calls[kind];                        \
  kind_bytes[kind] += (bytes);               \
  return rc

typedef hs_error_t (*scan_fn)(const hs_database_t*, const char*, unsigned int, unsigned int, hs_scratch_t*,
                              match_event_handler, void*);
hs_error_t hs_scan(const hs_database_t* db, const char* data, unsigned int length, unsigned int flags,
                   hs_scratch_t* scratch, match_event_handler onEvent, void* context) {
  REAL(hs_scan, scan_fn);
  struct wrapped w = {onEvent, context};
  TIMED(kScan, length, real(db, data, length, flags, scratch, onEvent ? timed_handler : NULL, &w));
}

typedef hs_error_t (*scan_stream_fn)(hs_stream_t*, const char*, unsigned int, unsigned int, hs_scratch_t*,
                                     match_event_handler, void*);
hs_error_t hs_scan_stream(hs_stream_t* id, const char* data, unsigned int length, unsigned int flags,
                          hs_scratch_t* scratch, match_event_handler onEvent, void* context) {
  REAL(hs_scan_stream, scan_stream_fn);
  struct wrapped w = {onEvent, context};
  TIMED(kScanStream, length, real(id, data, length, flags, scratch, onEvent ? timed_handler : NULL, &w));
}

typedef hs_error_t (*open_stream_fn)(const hs_database_t*, unsigned int, hs_stream_t**);
hs_error_t hs_open_stream(const hs_database_t* db, unsigned int flags, hs_stream_t** stream) {
  REAL(hs_open_stream, open_stream_fn);
  TIMED(kOpen, 0, real(db, flags, stream));
}

typedef hs_error_t (*end_stream_fn)(hs_stream_t*, unsigned int, hs_scratch_t*, match_event_handler, void*);
hs_error_t hs_reset_stream(hs_stream_t* id, unsigned int flags, hs_scratch_t* scratch, match_event_handler onEvent,
                           void* context) {
  REAL(hs_reset_stream, end_stream_fn);
  struct wrapped w = {onEvent, context};
  TIMED(kReset, 0, real(id, flags, scratch, onEvent ? timed_handler : NULL, &w));
}

typedef hs_error_t (*close_stream_fn)(hs_stream_t*, hs_scratch_t*, match_event_handler, void*);
hs_error_t hs_close_stream(hs_stream_t* id, hs_scratch_t* scratch, match_event_handler onEvent, void* context) {
  REAL(hs_close_stream, close_stream_fn);
  struct wrapped w = {onEvent, context};
  TIMED(kClose, 0, real(id, scratch, onEvent ? timed_handler : NULL, &w));
}

__attribute__((destructor)) static void report(void) {
  const double hz = tsc_clock_hz();
  fprintf(stderr, "hs-call-timer: calls %lu seconds %.6f callbacks %lu seconds %.6f; own seconds %.6f\n",
          (unsigned long)calls, (double)call_tsc / hz, (unsigned long)callbacks, (double)callback_tsc / hz,
          (double)(call_tsc - callback_tsc) / hz);
  /* Callbacks included here: they are not attributed to an entry point. */
  for (int k = 0; k < kKinds; ++k)
    if (kind_calls[k])
      fprintf(stderr, "hs-call-timer:   %s calls %lu bytes %lu seconds %.6f\n", kNames[k], (unsigned long)kind_calls[k],
              (unsigned long)kind_bytes[k], (double)kind_tsc[k] / hz);
}
