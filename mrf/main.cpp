#include <memory>

#include "mrf/mrf.h"

int main(int argc, char** argv) {
  return imsbox::runtime::run_node("mrf", argc, argv, [](imsbox::runtime::NodeContext& ctx) {
    return std::make_unique<imsbox::mrf::Mrf>(ctx);
  });
}
