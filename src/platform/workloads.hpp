#pragma once
// From a Deployment's pod template to one local pod: names, ports, environment, sidecar flags.
#include <string>

#include "core/error.hpp"
#include "k8s/workload.hpp"
#include "platform/image.hpp"
#include "platform/pod.hpp"

namespace lf::platform {

// Every container the platform starts carries LEARNFLOW_STATE_DIR=<state dir> in its
// environment, so `learnflow down` can find leftovers without trusting recorded pids.
inline constexpr const char* kStateDirEnv = "LEARNFLOW_STATE_DIR";

struct PodContext {
  std::string state_dir;  // absolute
  std::string namespace_name = "default";
  std::string node_name = "localhost";  // spec.nodeName of every pod (the platform uses the host name)
  std::string sidecar_binary;
  std::string resources_dir;
  std::string config_dir;
  ImageMapping images;
  // Where a pod's container logs go: (pod, container) → path.
  std::function<std::string(const std::string&, const std::string&)> log_path;
};

// "<deployment>-<10-char template hash>", the ReplicaSet name, as Kubernetes forms it.
std::string replicaset_name(const k8s::Deployment& deployment);
// "<replicaset>-<5 random chars>".
std::string new_pod_name(const k8s::Deployment& deployment);

// The daprd container for a Dapr-enabled pod: the annotations as learnflow-sidecar flags.
std::vector<std::string> sidecar_argv(const k8s::DaprAnnotations& dapr, const PodLaunch& pod, const PodContext& ctx);

// Picks free local ports for every container port and the Dapr ports, builds every container.
Result<PodLaunch> build_pod_launch(const k8s::Deployment& deployment, const std::string& pod_name,
                                   const PodContext& ctx);

}  // namespace lf::platform
