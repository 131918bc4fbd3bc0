#pragma once
// The document's renderings: one self-contained HTML file (inline CSS, SVG and a little
// script, a Content-Security-Policy that forbids every fetch), PDF printed from that HTML
// by headless Chromium, one CSV per exported table, and one JSON document.
#include <filesystem>
#include <string>
#include <vector>

#include "report/document.hpp"

namespace flowprobe::report {

std::string render_html(const Document& doc);
// Writes <dir>/<table name>.csv for every exported table; returns the paths.
std::vector<std::filesystem::path> write_csv(const Document& doc, const std::filesystem::path& dir, std::string& error);
std::string render_json(const Document& doc);
// Writes <file> as an Excel workbook (libxlsxwriter): one worksheet per exported table,
// named after it, a header row of the column keys, counts and scores as numbers. False
// with `error` set when it cannot.
bool write_xlsx(const Document& doc, const std::filesystem::path& file, std::string& error);

// Chromium or chromium-headless-shell: $FLOWPROBE_BROWSER, then PATH. Empty when none.
std::string find_browser();
// Prints `html_file` to `pdf_file` with headless Chromium (fresh profile, no network
// services, no sandbox so that it runs as root in CI). False with `error` set when it fails.
bool print_pdf(const std::string& browser, const std::filesystem::path& html_file, const std::filesystem::path& pdf_file,
               std::string& error);

}  // namespace flowprobe::report
