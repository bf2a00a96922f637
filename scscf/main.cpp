#include <memory>

#include "scscf/scscf.h"

int main(int argc, char** argv) {
  return imsbox::runtime::run_node("scscf", argc, argv, [](imsbox::runtime::NodeContext& ctx) {
    return std::make_unique<imsbox::scscf::Scscf>(ctx);
  });
}
