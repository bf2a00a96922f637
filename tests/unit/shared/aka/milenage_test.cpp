#include "aka/milenage.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace imsbox::aka {
namespace {

Block block(const std::string& hex) {
  Block b{};
  for (std::size_t i = 0; i < 16; ++i) b[i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return b;
}

// OPc of every TS 35.207 test set in ../shared/testdata/milenage_ts35207.csv.
TEST(Milenage, OpcMatchesTs35207TestSets) {
  std::ifstream in(IMSBOX_TESTDATA "/milenage_ts35207.csv");
  ASSERT_TRUE(in) << "missing " IMSBOX_TESTDATA "/milenage_ts35207.csv";
  std::string line;
  std::getline(in, line);
  ASSERT_EQ(line.rfind("set,K,RAND,SQN,AMF,OP,OPc,", 0), 0u) << line;
  int sets = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) f.push_back(cell);
    ASSERT_GE(f.size(), 7u) << line;
    EXPECT_EQ(compute_opc(block(f[1]), block(f[5])), block(f[6])) << "test set " << f[0];
    ++sets;
  }
  EXPECT_EQ(sets, 6);
}

}  // namespace
}  // namespace imsbox::aka
