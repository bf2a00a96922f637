#include <memory>

#include "agw/agw.h"

int main(int argc, char** argv) {
  return imsbox::runtime::run_node("agw", argc, argv, [](imsbox::runtime::NodeContext& ctx) {
    return std::make_unique<imsbox::agw::Agw>(ctx);
  });
}
