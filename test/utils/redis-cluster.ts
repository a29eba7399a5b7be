// One implementation for the e2e spec and the faults run's cluster phase (faults/ is built with the service, test/ is not).
export * from '../../faults/redis-cluster.js';
