// Package cluster holds the tests that need the replicated local deployment of `make cluster`
// (deploy/local/cluster.sh): ZooKeeper, two ClickHouse replicas of one shard and three Kafka
// brokers. They build only with the `cluster` tag and run with `make cluster-test`, which
// starts the cluster and points the tests at it (ECOWATCH_CLICKHOUSE_ADDR with both replicas,
// ECOWATCH_CLICKHOUSE_CLUSTER, ECOWATCH_KAFKA_BROKERS with the three brokers). `make test`
// does not run them.
package cluster
