export const TSSWARM_VERSION = '0.1.0';
