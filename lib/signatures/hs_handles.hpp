#pragma once
// RAII owners for Hyperscan handles: a database, a scratch and a stream are each freed
// exactly once, whatever path leaves the scope.
#include <memory>

#include <hs/hs.h>

namespace flowprobe::sig {

struct HsDatabaseFree {
  void operator()(hs_database_t* db) const noexcept { hs_free_database(db); }
};
struct HsScratchFree {
  void operator()(hs_scratch_t* s) const noexcept { hs_free_scratch(s); }
};
struct HsStreamClose {
  // Closing without a scratch or callback drops end-of-data matches: a flow that ends
  // has nothing left to report.
  void operator()(hs_stream_t* s) const noexcept { hs_close_stream(s, nullptr, nullptr, nullptr); }
};
struct HsCompileErrorFree {
  void operator()(hs_compile_error_t* e) const noexcept { hs_free_compile_error(e); }
};

using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseFree>;
using HsScratch = std::unique_ptr<hs_scratch_t, HsScratchFree>;
using HsStream = std::unique_ptr<hs_stream_t, HsStreamClose>;
using HsCompileError = std::unique_ptr<hs_compile_error_t, HsCompileErrorFree>;

}  // namespace flowprobe::sig
