// pubsub.kafka metadata: Dapr's field names, defaults and the errors for bad values.
#include <gtest/gtest.h>

#include "pubsub/kafka_metadata.hpp"
#include "pubsub/pubsub.hpp"

namespace lf::pubsub {
namespace {

using namespace std::chrono_literals;
using Map = std::map<std::string, std::string>;

Map minimal() { return {{"brokers", "127.0.0.1:9092"}, {"authType", "none"}}; }

TEST(KafkaMetadata, DefaultsFollowDapr) {
  auto m = parse_kafka_metadata(minimal(), "checkout");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->brokers, "127.0.0.1:9092");
  EXPECT_EQ(m->consumer_group, "checkout");
  EXPECT_EQ(m->client_id, "sarama");
  EXPECT_FALSE(m->initial_offset_oldest);
  EXPECT_EQ(m->max_message_bytes, 1024 * 1024);
  EXPECT_EQ(m->back_off_duration, 5s);
  EXPECT_EQ(m->back_off_max_retries, -1);
  EXPECT_TRUE(m->consume_retry_enabled);
  EXPECT_EQ(m->consume_retry_interval, 100ms);
  EXPECT_EQ(m->session_timeout, 10s);
  EXPECT_EQ(m->heartbeat_interval, 3s);
  EXPECT_EQ(m->publish_timeout, 30s);
}

TEST(KafkaMetadata, ReadsEveryField) {
  Map map = {{"brokers", " a:1 , b:2 "},       {"authType", "None"},           {"consumerGroup", "group-1"},
             {"clientID", "client-1"},         {"initialOffset", "oldest"},    {"maxMessageBytes", "2048"},
             {"backOffDuration", "250ms"},     {"backOffMaxRetries", "3"},     {"consumeRetryEnabled", "false"},
             {"consumeRetryInterval", "200"},  {"sessionTimeout", "6s"},       {"heartbeatInterval", "1s"},
             {"writeTimeout", "2s"},           {"somethingElse", "ignored"}};
  auto m = parse_kafka_metadata(map, "app");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->brokers, "a:1,b:2");
  EXPECT_EQ(m->consumer_group, "group-1");
  EXPECT_EQ(m->client_id, "client-1");
  EXPECT_TRUE(m->initial_offset_oldest);
  EXPECT_EQ(m->max_message_bytes, 2048);
  EXPECT_EQ(m->back_off_duration, 250ms);
  EXPECT_EQ(m->back_off_max_retries, 3);
  EXPECT_FALSE(m->consume_retry_enabled);
  EXPECT_EQ(m->consume_retry_interval, 200ms) << "a bare number means milliseconds";
  EXPECT_EQ(m->session_timeout, 6s);
  EXPECT_EQ(m->heartbeat_interval, 1s);
  EXPECT_EQ(m->publish_timeout, 2s);
}

TEST(KafkaMetadata, KeysAreCaseInsensitiveAndConsumerIdIsAFallback) {
  auto m = parse_kafka_metadata({{"BROKERS", "x:1"}, {"authtype", "none"}, {"consumerID", "legacy"}}, "app");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->consumer_group, "legacy");
}

struct BadCase {
  Map extra;
  std::string expected;
};

class KafkaMetadataErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(KafkaMetadataErrors, NameTheFieldAndTheFix) {
  Map map = minimal();
  for (const auto& [k, v] : GetParam().extra) {
    if (v == "<erase>") map.erase(k);
    else map[k] = v;
  }
  auto m = parse_kafka_metadata(map, "app");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    All, KafkaMetadataErrors,
    ::testing::Values(
        BadCase{{{"brokers", "<erase>"}}, "pubsub.kafka: metadata brokers is required (for example brokers: \"127.0.0.1:9092\")"},
        BadCase{{{"brokers", "  "}}, "pubsub.kafka: metadata brokers is required (for example brokers: \"127.0.0.1:9092\")"},
        BadCase{{{"authType", "<erase>"}},
                "pubsub.kafka: metadata authType is required; set authType: \"none\" (the only type LearnFlow supports)"},
        BadCase{{{"authType", "password"}},
                "pubsub.kafka: authType \"password\" is not supported; LearnFlow supports only authType: \"none\""},
        BadCase{{{"initialOffset", "latest"}},
                "pubsub.kafka: metadata initialOffset has the invalid value \"latest\"; expected newest or oldest"},
        BadCase{{{"maxMessageBytes", "12x"}},
                "pubsub.kafka: metadata maxMessageBytes has the invalid value \"12x\"; expected an integer of at least 1000"},
        BadCase{{{"backOffDuration", "soon"}},
                "pubsub.kafka: metadata backOffDuration has the invalid value \"soon\"; expected a duration such as "
                "\"5s\" or a number of milliseconds"},
        BadCase{{{"backOffDuration", "-1s"}},
                "pubsub.kafka: metadata backOffDuration has the invalid value \"-1s\"; expected a duration such as "
                "\"5s\" or a number of milliseconds"},
        BadCase{{{"consumeRetryEnabled", "maybe"}},
                "pubsub.kafka: metadata consumeRetryEnabled has the invalid value \"maybe\"; expected true or false"},
        BadCase{{{"backOffPolicy", "exponential"}},
                "pubsub.kafka: backOffPolicy \"exponential\" is not supported; LearnFlow supports only \"constant\""},
        BadCase{{{"heartbeatInterval", "20s"}}, "pubsub.kafka: heartbeatInterval must be shorter than sessionTimeout"}));

TEST(KafkaMetadata, EmptyAppIdWithoutGroupIsAnError) {
  auto m = parse_kafka_metadata(minimal(), "");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message, "pubsub.kafka: no consumer group; set metadata consumerGroup or run with an app id");
}

TEST(Message, DeliveryMetadataHasDaprKeys) {
  Message m{.topic = "orders", .partition = 2, .offset = 41, .key = "k1", .timestamp_ms = 1700000000123,
            .headers = {{"traceparent", "00-abc"}}, .payload = "x"};
  auto meta = m.delivery_metadata();
  EXPECT_EQ(meta.at("__key"), "k1");
  EXPECT_EQ(meta.at("__topic"), "orders");
  EXPECT_EQ(meta.at("__partition"), "2");
  EXPECT_EQ(meta.at("__offset"), "41");
  EXPECT_EQ(meta.at("__timestamp"), "1700000000123");
  EXPECT_EQ(meta.at("traceparent"), "00-abc");
  m.key.reset();
  EXPECT_EQ(m.delivery_metadata().count("__key"), 0u);
}

}  // namespace
}  // namespace lf::pubsub
