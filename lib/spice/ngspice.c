/* placeholder */
typedef int xb__ngspice_placeholder;
