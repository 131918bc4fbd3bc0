#include "report/writers.hpp"

#include <xlsxwriter.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "report/format.hpp"

namespace flowprobe::report {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCss = R"CSS(
:root{--ink:#1d2430;--muted:#5d6776;--rule:#d5dae1;--head:#eef1f5;--accent:#2f6db5}
*{box-sizing:border-box}
body{font-family:"DejaVu Sans","Liberation Sans",Arial,sans-serif;color:var(--ink);margin:0;padding:24px 32px;font-size:13px;line-height:1.45;background:#fff}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:0 0 10px;padding-bottom:4px;border-bottom:2px solid var(--accent)}
h3{font-size:14px;margin:18px 0 6px}
.cover{border-bottom:1px solid var(--rule);padding-bottom:14px;margin-bottom:14px}
.cover .sub{color:var(--muted);font-size:15px;margin-bottom:10px}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0}
dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
nav.toc ul{margin:4px 0 0 0;padding:0;list-style:none}nav.toc a{color:var(--accent);text-decoration:none}
section.s1{margin-top:28px}
p.note{color:var(--muted);font-style:italic;margin:6px 0}
div.chart{margin:10px 0 16px;max-width:860px}
div.chart h4{margin:0 0 4px;font-size:13px}
svg.chart{display:block;font-size:11px;max-width:100%;height:auto}
svg.chart text{fill:var(--ink)}svg.chart text.ax{fill:var(--muted);font-size:10px}svg.chart text.vl{font-size:10px}
svg.chart text.dt{font-size:16px;font-weight:bold}
svg.chart line.grid{stroke:#e4e7ec;stroke-width:1}svg.chart line.axis{stroke:#8892a0;stroke-width:1}
div.tbl{margin:8px 0 18px;overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:12px}
caption{text-align:left;font-weight:bold;padding:4px 0}
th,td{border:1px solid var(--rule);padding:3px 6px;vertical-align:top}
td{overflow-wrap:anywhere}td.n{overflow-wrap:normal;white-space:nowrap}
thead th{background:var(--head);text-align:left;white-space:nowrap}
table.sortable thead tr:first-child th{cursor:pointer}
table.sortable thead tr:first-child th:after{content:" \2195";color:#a0a8b4;font-size:10px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold;background:#f7f8fa}
tr.colf input{width:100%;font-size:11px;padding:1px 3px;border:1px solid var(--rule)}
.tools{margin:4px 0}.tools input{font-size:12px;padding:3px 6px;width:280px;border:1px solid #b8c0cc;border-radius:3px}
.tools .shown{color:var(--muted);margin-left:10px}
td.b5{background:#cfe0f7}td.b4{background:#e3f1fb}td.b3{background:#fdf3cf}td.b2{background:#fbe0e8}td.b1{background:#f7cfcf}
td.est{color:#7a4b00}
.weak{color:#b3261e;font-weight:bold}.insecure{color:#fff;background:#b3261e}.medium{color:#8a5a00}.strong{color:#1e6b34}
footer{margin-top:28px;border-top:1px solid var(--rule);padding-top:8px;color:var(--muted);font-size:11px}
footer li{margin:2px 0}
@page{size:A4;margin:12mm 11mm}
@media print{
 body{padding:0;font-size:10.5px}
 section.s1{break-before:page;margin-top:0}
 header.cover+section.s1{break-before:auto;margin-top:14px}
 header.cover.own+section.s1{break-before:page;margin-top:0}
 div.tbl{overflow:visible}
 table{font-size:9px}
 th,td{padding:2px 4px}
 thead th{white-space:normal}
 .tools,tr.colf{display:none}
 div.chart,svg.chart{break-inside:avoid}
 thead{display:table-header-group}
 tr{break-inside:avoid}
 h2,h3{break-after:avoid}
 table.sortable thead tr:first-child th:after{content:""}
 a{color:inherit;text-decoration:none}
}
)CSS";

// Sorting, the display filters and a self-check the tests read (--dump-dom): the number
// of charts and tables, and any script error.
constexpr const char* kScript = R"JS(
(function(){
var errors=[];window.addEventListener('error',function(e){errors.push(String(e.message));document.body.setAttribute('data-js-errors',String(errors.length));});
function val(td){var v=td.getAttribute('data-v');return v===null?td.textContent.trim().toLowerCase():parseFloat(v);}
function sortBy(table,col,th){var body=table.tBodies[0];if(!body)return;var rows=Array.prototype.slice.call(body.rows);
var dir=th.getAttribute('data-dir')==='asc'?'desc':'asc';
Array.prototype.forEach.call(th.parentNode.cells,function(c){c.removeAttribute('data-dir');});th.setAttribute('data-dir',dir);
rows.sort(function(a,b){var x=val(a.cells[col]),y=val(b.cells[col]);var r=(typeof x==='number'&&typeof y==='number')?x-y:String(x).localeCompare(String(y));return dir==='asc'?r:-r;});
rows.forEach(function(r){body.appendChild(r);});}
function applyFilters(box){var table=box.querySelector('table');if(!table||!table.tBodies[0])return;
var all=(box.querySelector('input.filter')||{value:''}).value.toLowerCase();
var cols=Array.prototype.map.call(box.querySelectorAll('tr.colf input'),function(i){return i.value.toLowerCase();});
var shown=0,rows=table.tBodies[0].rows;
for(var i=0;i<rows.length;i++){var r=rows[i],ok=!all||r.textContent.toLowerCase().indexOf(all)>=0;
for(var c=0;ok&&c<cols.length;c++){if(cols[c]&&r.cells[c].textContent.toLowerCase().indexOf(cols[c])<0)ok=false;}
r.style.display=ok?'':'none';if(ok)shown++;}
var s=box.querySelector('.shown');if(s)s.textContent=shown+' of '+rows.length+' rows';}
Array.prototype.forEach.call(document.querySelectorAll('div.tbl'),function(box){
var table=box.querySelector('table.sortable');
if(table){Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){th.addEventListener('click',function(){sortBy(table,i,th);});});}
Array.prototype.forEach.call(box.querySelectorAll('input'),function(inp){inp.addEventListener('input',function(){applyFilters(box);});});
if(box.querySelector('input'))applyFilters(box);});
var b=document.body;b.setAttribute('data-charts',String(document.querySelectorAll('svg.chart').length));
b.setAttribute('data-tables',String(document.querySelectorAll('div.tbl table').length));
b.setAttribute('data-js-errors',String(errors.length));b.setAttribute('data-ready','1');
})();
)JS";

bool numeric(ColType t) { return t == ColType::count || t == ColType::number || t == ColType::percent; }

// The sort key of a numeric cell: its raw value, "-" and empty sort first.
std::string sort_value(const Cell& c) {
  const std::string& v = c.value();
  std::string out;
  for (char ch : v)
    if ((ch >= '0' && ch <= '9') || ch == '.' || ch == '-') out.push_back(ch);
  if (out.empty() || out == "-" || out == ".") return "-1e300";
  return out;
}

void render_table(std::string& o, const Table& t) {
  o += "<div class=\"tbl\" data-table=\"" + html_escape(t.name.empty() ? t.title : t.name) + "\">";
  if (t.filter || t.column_filters)
    o += "<div class=\"tools\"><input type=\"search\" class=\"filter\" placeholder=\"Display filter: rows containing\xe2\x80\xa6\" "
         "aria-label=\"display filter\"><span class=\"shown\"></span></div>";
  o += std::string("<table") + (t.sortable ? " class=\"sortable\"" : "") + ">";
  if (!t.title.empty()) o += "<caption>" + html_escape(t.title) + "</caption>";
  o += "<thead><tr>";
  for (const Column& c : t.cols)
    if (!c.hidden)
      o += std::string("<th") + (numeric(c.type) ? " class=\"n\"" : "") + " title=\"" + html_escape(c.key) + "\">" +
         html_escape(c.label) + "</th>";
  o += "</tr>";
  if (t.column_filters) {
    o += "<tr class=\"colf\">";
    for (const Column& c : t.cols)
      if (!c.hidden) o += "<th><input type=\"search\" aria-label=\"filter " + html_escape(c.label) + "\"></th>";
    o += "</tr>";
  }
  o += "</thead><tbody>";
  const std::size_t n = t.html_limit ? std::min(t.html_limit, t.rows.size()) : t.rows.size();
  const auto row = [&](const std::vector<Cell>& r) {
    for (std::size_t i = 0; i < t.cols.size() && i < r.size(); ++i) {
      if (t.cols[i].hidden) continue;
      const Cell& c = r[i];
      std::string cls = c.cls;
      if (numeric(t.cols[i].type)) cls = cls.empty() ? "n" : cls + " n";
      o += "<td";
      if (!cls.empty()) o += " class=\"" + cls + "\"";
      if (numeric(t.cols[i].type)) o += " data-v=\"" + sort_value(c) + "\"";
      else if (t.cols[i].type == ColType::time && !c.raw.empty()) o += " data-v=\"" + html_escape(c.raw) + "\"";
      o += ">" + html_escape(c.text) + "</td>";
    }
  };
  for (std::size_t i = 0; i < n; ++i) {
    o += "<tr>";
    row(t.rows[i]);
    o += "</tr>";
  }
  o += "</tbody>";
  // A second body, not a tfoot: printing repeats a tfoot on every page, and sorting
  // reorders the first body only.
  if (!t.total.empty()) {
    o += "<tbody class=\"total\"><tr class=\"total\">";
    row(t.total);
    o += "</tr></tbody>";
  }
  o += "</table>";
  if (n < t.rows.size())
    o += "<p class=\"note\">Showing " + thousands(n) + " of " + thousands(t.rows.size()) + " rows" +
         (t.name.empty() ? std::string() : "; " + t.name + ".csv holds them all") + ".</p>";
  if (!t.note.empty()) o += "<p class=\"note\">" + html_escape(t.note) + "</p>";
  o += "</div>";
}

}  // namespace

std::string render_html(const Document& doc) {
  std::string o;
  o.reserve(1 << 20);
  o += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; img-src data:\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
       html_escape(doc.title) + "</title>\n<style>" + kCss + "</style></head>\n<body data-report=\"" +
       html_escape(doc.name) + "\">\n";
  o += std::string("<header class=\"cover") + (doc.cover_page ? " own" : "") + "\"><h1>" + html_escape(doc.title) + "</h1>";
  if (!doc.subtitle.empty()) o += "<div class=\"sub\">" + html_escape(doc.subtitle) + "</div>";
  o += "<dl class=\"kv\">";
  for (const auto& [k, v] : doc.meta) o += "<dt>" + html_escape(k) + "</dt><dd>" + html_escape(v) + "</dd>";
  o += "</dl>";
  o += "<nav class=\"toc\"><strong>Contents</strong><ul>";
  for (const Section& s : doc.sections)
    if (s.level == 1) o += "<li><a href=\"#" + html_escape(s.id) + "\">" + html_escape(s.title) + "</a></li>";
  o += "</ul></nav></header>\n";
  bool open = false;
  for (const Section& s : doc.sections) {
    if (s.level == 1) {
      if (open) o += "</section>\n";
      o += "<section class=\"s1\" id=\"" + html_escape(s.id) + "\"><h2>" + html_escape(s.title) + "</h2>";
      open = true;
    } else {
      o += "<h3 id=\"" + html_escape(s.id) + "\">" + html_escape(s.title) + "</h3>";
    }
    for (const Block& b : s.blocks) {
      switch (b.kind) {
        case Block::paragraph: o += "<p>" + html_escape(b.text) + "</p>"; break;
        case Block::note: o += "<p class=\"note\">" + html_escape(b.text) + "</p>"; break;
        case Block::table:
          if (!b.tbl.export_only) render_table(o, b.tbl);
          break;
        case Block::chart:
          o += "<div class=\"chart\"><h4>" + html_escape(b.fig.title) + "</h4>" + b.fig.svg + "</div>";
          break;
        case Block::pairs:
          o += "<dl class=\"kv\">";
          for (const auto& [k, v] : b.kv) o += "<dt>" + html_escape(k) + "</dt><dd>" + html_escape(v) + "</dd>";
          o += "</dl>";
          break;
      }
    }
  }
  if (open) o += "</section>\n";
  o += "<footer><ul>";
  for (const std::string& f : doc.footer) o += "<li>" + html_escape(f) + "</li>";
  o += "</ul></footer>\n<script>" + std::string(kScript) + "</script>\n</body></html>\n";
  return o;
}

std::vector<fs::path> write_csv(const Document& doc, const fs::path& dir, std::string& error) {
  std::vector<fs::path> out;
  for (const Section& s : doc.sections)
    for (const Block& b : s.blocks) {
      if (b.kind != Block::table || b.tbl.name.empty()) continue;
      const Table& t = b.tbl;
      const fs::path p = dir / (t.name + ".csv");
      std::ofstream f(p, std::ios::binary | std::ios::trunc);
      if (!f) {
        error = "cannot write " + p.string();
        return out;
      }
      for (std::size_t i = 0; i < t.cols.size(); ++i) f << (i ? "," : "") << t.cols[i].key;
      f << "\n";
      const auto row = [&](const std::vector<Cell>& r) {
        for (std::size_t i = 0; i < t.cols.size(); ++i) f << (i ? "," : "") << csv_escape(i < r.size() ? r[i].value() : "");
        f << "\n";
      };
      for (const auto& r : t.rows) row(r);
      if (!t.total.empty()) row(t.total);
      if (!f.flush()) {
        error = "cannot write " + p.string();
        return out;
      }
      out.push_back(p);
    }
  return out;
}

bool write_xlsx(const Document& doc, const fs::path& file, std::string& error) {
  lxw_workbook* wb = workbook_new(file.c_str());
  if (wb == nullptr) {
    error = "cannot write " + file.string();
    return false;
  }
  lxw_format* head = workbook_add_format(wb);
  format_set_bold(head);
  for (const Section& s : doc.sections)
    for (const Block& b : s.blocks) {
      if (b.kind != Block::table || b.tbl.name.empty()) continue;
      const Table& t = b.tbl;
      lxw_worksheet* ws = workbook_add_worksheet(wb, t.name.substr(0, 31).c_str());
      if (ws == nullptr) continue;  // a name used twice: the first sheet stays
      for (std::size_t c = 0; c < t.cols.size(); ++c)
        worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), t.cols[c].key.c_str(), head);
      lxw_row_t row = 1;
      const auto put = [&](const std::vector<Cell>& r) {
        for (std::size_t c = 0; c < t.cols.size() && c < r.size(); ++c) {
          const std::string& v = r[c].value();
          const ColType type = t.cols[c].type;
          char* end = nullptr;
          const double d = std::strtod(v.c_str(), &end);
          if ((type == ColType::count || type == ColType::number || type == ColType::percent) && !v.empty() && *end == 0)
            worksheet_write_number(ws, row, static_cast<lxw_col_t>(c), d, nullptr);
          else
            worksheet_write_string(ws, row, static_cast<lxw_col_t>(c), v.c_str(), nullptr);
        }
        ++row;
      };
      for (const auto& r : t.rows) put(r);
      if (!t.total.empty()) put(t.total);
      worksheet_freeze_panes(ws, 1, 0);
    }
  const lxw_error e = workbook_close(wb);
  if (e != LXW_NO_ERROR) {
    error = "cannot write " + file.string() + ": " + lxw_strerror(e);
    return false;
  }
  return true;
}

std::string render_json(const Document& doc) {
  std::string o = "{\"report\":\"" + json_escape(doc.name) + "\",\"title\":\"" + json_escape(doc.title) + "\",\"meta\":{";
  for (std::size_t i = 0; i < doc.meta.size(); ++i)
    o += (i ? "," : "") + std::string("\"") + json_escape(doc.meta[i].first) + "\":\"" + json_escape(doc.meta[i].second) +
         "\"";
  o += "},\"tables\":{";
  bool first_table = true;
  std::vector<std::string> notes;
  for (const Section& s : doc.sections)
    for (const Block& b : s.blocks) {
      if (b.kind == Block::note) notes.push_back(s.title + ": " + b.text);
      if (b.kind != Block::table || b.tbl.name.empty()) continue;
      const Table& t = b.tbl;
      if (!t.note.empty()) notes.push_back(t.name + ": " + t.note);
      o += (first_table ? "" : ",") + std::string("\n\"") + json_escape(t.name) + "\":{\"title\":\"" + json_escape(t.title) +
           "\",\"columns\":[";
      first_table = false;
      for (std::size_t i = 0; i < t.cols.size(); ++i) o += (i ? ",\"" : "\"") + json_escape(t.cols[i].key) + "\"";
      o += "],\"rows\":[";
      const auto row = [&](const std::vector<Cell>& r, bool first) {
        o += first ? "{" : ",{";
        for (std::size_t i = 0; i < t.cols.size(); ++i) {
          const std::string v = i < r.size() ? r[i].value() : "";
          o += (i ? ",\"" : "\"") + json_escape(t.cols[i].key) + "\":";
          const bool num = numeric(t.cols[i].type) && !v.empty() && v.find_first_not_of("0123456789.-") == std::string::npos &&
                           v != "-" && v.find_first_of("0123456789") != std::string::npos;
          o += num ? v : "\"" + json_escape(v) + "\"";
        }
        o += "}";
      };
      for (std::size_t i = 0; i < t.rows.size(); ++i) row(t.rows[i], i == 0);
      if (!t.total.empty()) row(t.total, t.rows.empty());
      o += "]}";
    }
  o += "},\"notes\":[";
  for (std::size_t i = 0; i < notes.size(); ++i) o += (i ? ",\"" : "\"") + json_escape(notes[i]) + "\"";
  o += "],\"footer\":[";
  for (std::size_t i = 0; i < doc.footer.size(); ++i) o += (i ? ",\"" : "\"") + json_escape(doc.footer[i]) + "\"";
  o += "]}\n";
  return o;
}

std::string find_browser() {
  if (const char* b = std::getenv("FLOWPROBE_BROWSER"); b && *b) return access(b, X_OK) == 0 ? b : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  for (const char* name : {"chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"}) {
    std::size_t start = 0;
    while (start <= dirs.size()) {
      const std::size_t end = std::min(dirs.find(':', start), dirs.size());
      const std::string candidate = dirs.substr(start, end - start) + "/" + name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
      start = end + 1;
    }
  }
  return {};
}

bool print_pdf(const std::string& browser, const fs::path& html_file, const fs::path& pdf_file, std::string& error) {
  char tmpl[] = "/tmp/flowprobe-report-chromium-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    error = "cannot make a profile directory for the browser";
    return false;
  }
  const fs::path profile = tmpl;
  const fs::path log = profile / "browser.log";
  std::error_code ec;
  fs::remove(pdf_file, ec);
  const std::string url = "file://" + fs::absolute(html_file).string();
  std::vector<std::string> args = {browser,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--disable-dev-shm-usage",
                                   "--user-data-dir=" + profile.string(),
                                   "--no-pdf-header-footer",
                                   "--print-to-pdf=" + fs::absolute(pdf_file).string(),
                                   url};
  const pid_t pid = fork();
  if (pid < 0) {
    error = "fork failed";
    return false;
  }
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    const int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) dup2(nul, 0);
    setenv("HOME", profile.c_str(), 1);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(browser.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  bool done = false;
  while (!done) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) done = true;
    else if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      error = "the browser did not finish printing within 180 s";
      fs::remove_all(profile, ec);
      return false;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && fs::exists(pdf_file) && fs::file_size(pdf_file, ec) > 0;
  if (!ok) {
    std::ifstream in(log);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string tail = ss.str();
    if (tail.size() > 400) tail = tail.substr(tail.size() - 400);
    error = browser + " could not print " + html_file.string() + " (exit " +
            std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + "): " + tail;
  }
  fs::remove_all(profile, ec);
  return ok;
}

}  // namespace flowprobe::report
