// The baseline for a connect check: K times PQconnectdb + PQfinish, nothing else. With K=1 and
// K=101, (time(101) - time(1)) / 100 is the cost of one bare libpq connect.
//
//   bare_connect "<conninfo>" <K>
//
// Exits 1 if any connect fails, so a broken baseline cannot pass for a fast one.
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: bare_connect <conninfo> <K>\n");
        return 2;
    }
    int k = std::atoi(argv[2]);
    for (int i = 0; i < k; ++i) {
        PGconn* conn = PQconnectdb(argv[1]);
        if (PQstatus(conn) != CONNECTION_OK) {
            std::fprintf(stderr, "bare_connect: %s", PQerrorMessage(conn));
            PQfinish(conn);
            return 1;
        }
        PQfinish(conn);
    }
    return 0;
}
