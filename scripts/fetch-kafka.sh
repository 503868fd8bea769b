#!/usr/bin/env bash
# Fetches the Apache Kafka broker jars from Maven Central once into a cache, and writes the
# classpath file the Kafka launcher reads. Kafka 3.9 line: Debian's librdkafka 2.0.2 misbehaves
# against the protocol minimums raised in 4.x.
set -euo pipefail
KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
SCALA="2.13"
cache="${LEARNFLOW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/learnflow}/kafka-$KAFKA_VERSION"
classpath_file="$cache/classpath.txt"
if [ -s "$classpath_file" ]; then
  exit 0
fi
mkdir -p "$cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.learnflow</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_$SCALA</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
echo "setup: fetching Kafka $KAFKA_VERSION from Maven Central into $cache"
if ! mvn -q -f "$work/pom.xml" -Dmdep.outputFile="$work/cp.txt" dependency:build-classpath >"$work/mvn.log" 2>&1; then
  echo "setup: could not fetch Kafka from Maven Central (see below); check the network and retry" >&2
  tail -20 "$work/mvn.log" >&2
  exit 1
fi
mv "$work/cp.txt" "$classpath_file"
echo "setup: Kafka classpath written to $classpath_file"
