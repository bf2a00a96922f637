#include <memory>

#include "icscf/icscf.h"

int main(int argc, char** argv) {
  return imsbox::runtime::run_node("icscf", argc, argv, [](imsbox::runtime::NodeContext& ctx) {
    return std::make_unique<imsbox::icscf::Icscf>(ctx);
  });
}
