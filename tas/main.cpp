#include <memory>

#include "tas/tas.h"

int main(int argc, char** argv) {
  return imsbox::runtime::run_node("tas", argc, argv, [](imsbox::runtime::NodeContext& ctx) {
    return std::make_unique<imsbox::tas::Tas>(ctx);
  });
}
