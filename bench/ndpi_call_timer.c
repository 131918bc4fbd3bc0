/* LD_PRELOAD shim for the replay benchmark: times every call a program makes into nDPI's
 * ndpi_detection_process_packet and ndpi_detection_giveup (TSC, calibrated against the
 * monotonic clock over the program's life) and prints the totals at exit. Loaded into
 * ndpiReader and into flowprobe in the same run, it shows what nDPI's own work costs
 * each of them per pass over a capture, and so the highest ratio to ndpiReader any probe
 * that feeds nDPI the same packets can reach (bench/RESULTS.md). Not part of the probe.
 *
 *   LD_PRELOAD=build/bench/libflowprobe-ndpi-call-timer.so ndpiReader -i CAPTURE
 * prints on stderr, once the program exits:
 *   ndpi-call-timer: process_packet calls N seconds S first N1 S1 later N2 S2; giveup calls N seconds S
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

#include <ndpi/ndpi_api.h>

#include "tsc_clock.h"

typedef ndpi_protocol (*process_fn)(struct ndpi_detection_module_struct*, struct ndpi_flow_struct*, const unsigned char*,
                                    const unsigned short, const u_int64_t);
typedef ndpi_protocol (*giveup_fn)(struct ndpi_detection_module_struct*, struct ndpi_flow_struct*, u_int8_t, u_int8_t*);

/* Single-threaded use (ndpiReader -i FILE, one flowprobe RX core): plain counters. */
static uint64_t first_calls, first_tsc, later_calls, later_tsc, giveup_calls, giveup_tsc;
__attribute__((constructor)) static void start(void) { tsc_clock_start(); }

ndpi_protocol ndpi_detection_process_packet(struct ndpi_detection_module_struct* mod, struct ndpi_flow_struct* flow,
                                            const unsigned char* packet, const unsigned short len, const u_int64_t ts) {
  static process_fn real;
  if (!real) real = (process_fn)dlsym(RTLD_NEXT, "ndpi_detection_process_packet");
  /* A flow's first packet runs nDPI's guesses and every dissector: counted apart. */
  const int first = flow->num_processed_pkts == 0;
  const uint64_t t0 = __rdtsc();
  const ndpi_protocol p = real(mod, flow, packet, len, ts);
  const uint64_t dt = __rdtsc() - t0;
  if (first) { ++first_calls; first_tsc += dt; }
  else { ++later_calls; later_tsc += dt; }
  return p;
}

ndpi_protocol ndpi_detection_giveup(struct ndpi_detection_module_struct* mod, struct ndpi_flow_struct* flow, u_int8_t enable_guess,
                                    u_int8_t* guessed) {
  static giveup_fn real;
  if (!real) real = (giveup_fn)dlsym(RTLD_NEXT, "ndpi_detection_giveup");
  const uint64_t t0 = __rdtsc();
  const ndpi_protocol p = real(mod, flow, enable_guess, guessed);
  giveup_tsc += __rdtsc() - t0;
  ++giveup_calls;
  return p;
}

__attribute__((destructor)) static void report(void) {
  const double hz = tsc_clock_hz();
  fprintf(stderr,
          "ndpi-call-timer: process_packet calls %lu seconds %.6f first %lu %.6f later %lu %.6f; giveup calls %lu seconds %.6f\n",
          (unsigned long)(first_calls + later_calls), (double)(first_tsc + later_tsc) / hz, (unsigned long)first_calls,
          (double)first_tsc / hz, (unsigned long)later_calls, (double)later_tsc / hz, (unsigned long)giveup_calls,
          (double)giveup_tsc / hz);
}
