#include "report/annotations.hpp"

#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "report/time_window.hpp"

namespace flowprobe::report {

namespace {

// One reader for both syntaxes: a tiny tree of strings, numbers, arrays and tables.
struct Node {
  enum Kind { none, text, number, array, table } kind = none;
  std::string s;
  int64_t n = 0;
  std::vector<Node> items;
  std::vector<std::pair<std::string, Node>> members;
  const Node* get(const std::string& k) const {
    for (const auto& [key, v] : members)
      if (key == k) return &v;
    return nullptr;
  }
  std::string str() const { return kind == text ? s : kind == number ? std::to_string(n) : std::string(); }
};

Node from_toml(const toml::node& n) {
  Node out;
  if (const auto* t = n.as_table()) {
    out.kind = Node::table;
    for (const auto& [k, v] : *t) out.members.emplace_back(std::string(k.str()), from_toml(v));
  } else if (const auto* a = n.as_array()) {
    out.kind = Node::array;
    for (const auto& v : *a) out.items.push_back(from_toml(v));
  } else if (const auto* s = n.as_string()) {
    out.kind = Node::text;
    out.s = s->get();
  } else if (const auto* i = n.as_integer()) {
    out.kind = Node::number;
    out.n = i->get();
  } else if (n.is_date_time() || n.is_date() || n.is_time()) {
    out.kind = Node::text;
    std::ostringstream os;
    if (const auto* d = n.as_date()) os << d->get();
    else if (const auto* dt = n.as_date_time()) os << dt->get();
    else if (const auto* tm = n.as_time()) os << tm->get();
    out.s = os.str();
  } else if (const auto* b = n.as_boolean()) {
    out.kind = Node::text;
    out.s = b->get() ? "true" : "false";
  }
  return out;
}

Node from_json(simdjson::dom::element e) {
  Node out;
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT:
      out.kind = Node::table;
      for (auto [k, v] : e.get_object()) out.members.emplace_back(std::string(k), from_json(v));
      break;
    case simdjson::dom::element_type::ARRAY:
      out.kind = Node::array;
      for (auto v : e.get_array()) out.items.push_back(from_json(v));
      break;
    case simdjson::dom::element_type::STRING:
      out.kind = Node::text;
      out.s = std::string(std::string_view(e));
      break;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
      out.kind = Node::number;
      out.n = e.is_int64() ? int64_t(e) : static_cast<int64_t>(uint64_t(e));
      break;
    default: break;
  }
  return out;
}

bool parse_instant(const std::string& text, int64_t& out) {
  ReportTime rt;
  std::string err;
  // A time given alone: the window machinery parses it; its begin is the instant.
  if (!make_report_time(text, "", Period::day, 0, rt, err)) return false;
  out = rt.current.begin;
  return true;
}

}  // namespace

bool is_resolved(const std::string& status) { return status == "resolved" || status == "Resolved" || status == "done"; }

bool load_annotations(const std::string& path, Annotations& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "--annotations '" + path + "': cannot read it";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  Node root;
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (auto e = parser.parse(text).get(doc)) {
      error = "--annotations '" + path + "': not valid JSON: " + simdjson::error_message(e);
      return false;
    }
    root = from_json(doc);
  } else {
    try {
      const toml::table t = toml::parse(text, path);
      root = from_toml(t);
    } catch (const toml::parse_error& e) {
      std::ostringstream os;
      os << "--annotations '" << path << "' line " << e.source().begin.line << ": " << e.description();
      error = os.str();
      return false;
    }
  }
  if (root.kind != Node::table) {
    error = "--annotations '" + path + "': expected a table of keys";
    return false;
  }
  out.path = path;
  const auto str = [&](const char* k) {
    const Node* n = root.get(k);
    return n ? n->str() : std::string();
  };
  out.customer = str("customer");
  out.issuer = str("issuer");
  out.document_number = str("document_number");
  out.network_diagram = str("network_diagram");
  out.availability_remark = str("availability_remark");
  const auto list = [&](const char* k) -> const std::vector<Node>* {
    const Node* n = root.get(k);
    return n && n->kind == Node::array ? &n->items : nullptr;
  };
  const auto field = [](const Node& n, const char* k) {
    const Node* v = n.get(k);
    return v ? v->str() : std::string();
  };
  if (const auto* l = list("inquiry"))
    for (const Node& n : *l)
      out.inquiries.push_back({field(n, "id"), field(n, "time"), field(n, "question"), field(n, "answer"), field(n, "status")});
  if (const auto* l = list("work"))
    for (const Node& n : *l) out.work.push_back({field(n, "date"), field(n, "description"), field(n, "status")});
  if (const auto* l = list("outage"))
    for (const Node& n : *l) {
      Outage o;
      o.remark = field(n, "remark");
      if (!parse_instant(field(n, "from"), o.from) || !parse_instant(field(n, "to"), o.to) || o.to < o.from) {
        error = "--annotations '" + path + "': outage needs from and to times (2021-12-03T02:00), to after from";
        return false;
      }
      out.outages.push_back(o);
    }
  if (const auto* l = list("notification"))
    for (const Node& n : *l) {
      Notification x;
      x.date = field(n, "date");
      x.report_number = field(n, "report_number");
      x.signature_id = static_cast<uint32_t>(std::strtoul(field(n, "signature_id").c_str(), nullptr, 10));
      out.notifications.push_back(x);
    }
  if (const auto* l = list("sensor"))
    for (const Node& n : *l) out.sensors.push_back({field(n, "name"), field(n, "host"), field(n, "ip")});
  if (const auto* l = list("fatal_sids"))
    for (const Node& n : *l) out.fatal_sids.push_back(static_cast<uint32_t>(n.n));
  if (const Node* ev = root.get("event"); ev && ev->kind == Node::table)
    for (const auto& [k, v] : ev->members)
      out.events[static_cast<uint32_t>(std::strtoul(k.c_str(), nullptr, 10))] = {field(v, "description"), field(v, "analysis")};
  if (const Node* nr = root.get("narrative"); nr && nr->kind == Node::table)
    for (const auto& [k, v] : nr->members) out.narrative[k] = v.str();
  if (const Node* fo = root.get("function"); fo && fo->kind == Node::table)
    for (const auto& [k, v] : fo->members) out.function_override[k] = v.str();
  return true;
}

}  // namespace flowprobe::report
