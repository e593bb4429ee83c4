// flowcast-sweep: a grid of seeded runs of flowcast-server and
// flowcast-client on loopback, and its tables (client/sweep/sweep_app.hpp).
#include "client/sweep/sweep_app.hpp"

int main(int argc, char** argv) {
  return flowcast::client::sweep::sweep_main(argc, argv);
}
