/* placeholder */
typedef int xb__spice_placeholder;
