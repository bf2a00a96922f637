#include <memory>

#include "hss/hss.h"

int main(int argc, char** argv) {
  return imsbox::runtime::run_node("hss", argc, argv, [](imsbox::runtime::NodeContext& ctx) {
    return std::make_unique<imsbox::hss::Hss>(ctx);
  });
}
