#pragma once
// Reads the CSV test data in ../shared/testdata (IMSBOX_TESTDATA): a header
// line, then rows whose cells may be "quoted" (with "" for a quote inside).
// Cells are looked up by column name, so a test names what it checks.
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace imsbox::testdata {

using CsvRow = std::map<std::string, std::string>;

inline std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else if (c != '\r') {
      cells.back() += c;
    }
  }
  return cells;
}

// Every row of `file` (a name in IMSBOX_TESTDATA); throws when the file is
// missing or a row has a different number of cells than the header.
inline std::vector<CsvRow> read_csv(const std::string& file) {
  const std::string path = std::string(IMSBOX_TESTDATA) + "/" + file;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::string line;
  std::getline(in, line);
  const auto header = split_csv_line(line);
  std::vector<CsvRow> rows;
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    const auto cells = split_csv_line(line);
    if (cells.size() != header.size()) throw std::runtime_error(path + ": row with " + std::to_string(cells.size()) +
                                                                " cells, header has " + std::to_string(header.size()));
    CsvRow row;
    for (std::size_t i = 0; i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace imsbox::testdata
