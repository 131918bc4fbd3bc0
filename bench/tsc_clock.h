/* TSC ticks to seconds for the LD_PRELOAD call-timer shims (ndpi_call_timer.c,
 * hs_call_timer.c): the TSC rate is calibrated against the monotonic clock over the
 * program's life, from the shim's constructor to its report at exit. Each shim is its
 * own shared object, so each has its own copy of this state. */
#pragma once
#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

static uint64_t tsc_clock_start_ticks;
static struct timespec tsc_clock_start_wall;

static void tsc_clock_start(void) {
  clock_gettime(CLOCK_MONOTONIC, &tsc_clock_start_wall);
  tsc_clock_start_ticks = __rdtsc();
}

/* TSC ticks per second since tsc_clock_start(). */
static double tsc_clock_hz(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  const double secs = (double)(t.tv_sec - tsc_clock_start_wall.tv_sec) +
                      (double)(t.tv_nsec - tsc_clock_start_wall.tv_nsec) / 1e9;
  return secs > 0 ? (double)(__rdtsc() - tsc_clock_start_ticks) / secs : 1.0;
}
