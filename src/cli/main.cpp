#include "cli/command.hpp"

int main(int argc, char** argv) { return lf::cli::run(argc, argv); }
