// model.cpp - the trace model (libwtaviz, pkg-config wta-viz) from C++:
// load the trace given on the command line and lint it. Built by
// tests/test_install.sh against the installed library.
#include <cstdio>
#include <wta_model.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: model TRACE\n");
        return 2;
    }
    wta_model *m = nullptr;
    if (wta_model_load(argv[1], 0, &m) < 0) {
        if (m != nullptr)
            wta_model_print_diags(m, stderr);
        wta_model_free(m);
        return 1;
    }
    std::printf("model from C++: %zu events, %zu tasks\n", m->nevents, m->ntasks);
    wta_model_free(m);
    return 0;
}
