#pragma once
// The real-world simservs documents of the fuzz seed corpus.
#include <fstream>
#include <iterator>
#include <string>
#include <variant>

#include "tas/simservs/document.h"

namespace imsbox::tas::simservs::test {

inline std::string corpus_file(const std::string& name) {
  std::ifstream in(std::string(IMSBOX_SIMSERVS_CORPUS) + "/" + name, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline Document corpus_document(const std::string& name) {
  auto parsed = parse(corpus_file(name));
  if (auto* error = std::get_if<std::string>(&parsed)) throw std::runtime_error(name + ": " + *error);
  return std::get<Document>(std::move(parsed));
}

}  // namespace imsbox::tas::simservs::test
