#pragma once
// The SOC report's human part (spec §2.6): what cannot come from traffic (customer,
// inquiries, work, declared outages, notification numbers, analysts' words per event
// and section), from one TOML or JSON file per period. Optional: without it those
// sections say so.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace flowprobe::report {

struct Inquiry {
  std::string id, time, question, answer, status;
};
struct WorkItem {
  std::string date, description, status;
};
struct Outage {
  int64_t from = 0, to = 0;
  std::string remark;
};
struct Notification {
  std::string date, report_number;
  uint32_t signature_id = 0;
};
struct EventText {
  std::string description, analysis;
};
struct SensorInfo {
  std::string name, host, ip;
};

struct Annotations {
  std::string path;  // empty: none given
  std::string customer, issuer, document_number, network_diagram;
  std::vector<Inquiry> inquiries;
  std::vector<WorkItem> work;
  std::vector<Outage> outages;
  std::vector<Notification> notifications;
  std::map<uint32_t, EventText> events;
  std::map<std::string, std::string> narrative;  // overall, firewall, url, vulnerability, spyware, antivirus, wildfire
  std::vector<uint32_t> fatal_sids;              // alerts raised to Fatal
  std::map<std::string, std::string> function_override;  // sid or category text → function name
  std::vector<SensorInfo> sensors;
  std::string availability_remark;
};

// TOML unless the file starts with '{' (JSON). False with `error` naming the key.
bool load_annotations(const std::string& path, Annotations& out, std::string& error);

// "resolved" counts as resolved; "open", "in progress" and anything else as open.
bool is_resolved(const std::string& status);

}  // namespace flowprobe::report
