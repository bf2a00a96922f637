#include <memory>

#include "pcscf/pcscf.h"

int main(int argc, char** argv) {
  return imsbox::runtime::run_node("pcscf", argc, argv, [](imsbox::runtime::NodeContext& ctx) {
    return std::make_unique<imsbox::pcscf::Pcscf>(ctx);
  });
}
