#pragma once
// The three reports (../shared/spec/reports.md): each is an Aggregator fed in one pass
// and drawn into a Document at the end.
#include <memory>

#include "report/context.hpp"

namespace flowprobe::report {

std::unique_ptr<Aggregator> make_tls_report(std::size_t cap);
std::unique_ptr<Aggregator> make_traffic_report(const Context& ctx);
std::unique_ptr<Aggregator> make_soc_report(const Context& ctx);
// `report address IP`: one address's sub-report (spec §2.2).
std::unique_ptr<Aggregator> make_address_report(const Context& ctx, const IpKey& ip);

}  // namespace flowprobe::report
