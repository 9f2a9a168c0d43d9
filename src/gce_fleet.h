#pragma once

// The owner's GCE fleet client (cloud_fleet.h, issue 12), written from the Compute Engine v1 REST
// reference: machineTypes.get, images.get / getFromFamily, instances.insert / aggregatedList /
// delete, zoneOperations.get. The pieces below are pure, for tests; MakeGceFleet builds the client.
//
// A worker is found by a label and a metadata item: the label `osg-worker-group` (whose value is
// GceGroupLabel(group), as labels allow) narrows the listing on Google's side, and the metadata
// item `osg-worker-group`, which holds the group's exact text, decides. Instances are listed
// across all zones (aggregatedList), so List and Delete need no zone: an instance's name is its id.
//
// Credentials (MakeGceFleet): GOOGLE_APPLICATION_CREDENTIALS, a service account's JSON key read
// with ReadCredentialFile (its owner checked) and exchanged for a token by the JWT bearer grant
// (google_auth.h); when it is unset, the access token in GOOGLE_OAUTH_ACCESS_TOKEN (then the
// project must be given). The project is FleetOptions::project, else the key's project_id.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cloud_fleet.h"
#include "status.h"

namespace osg {

inline constexpr char kGceGroupKey[] = "osg-worker-group";  // the label's and the item's key

// A label value for `group`: labels allow only [a-z0-9_-] and 63 characters, the group is free
// text. A readable slug of it (at most 54 characters) and "-" and 8 hex digits of its SHA-256, so
// that groups the slug merges stay apart. "" when libcrypto does not load.
std::string GceGroupLabel(const std::string& group);

// The requestId of one `action` ("insert", "delete") on one instance: a UUID (RFC 9562 version 8,
// from SHA-256) of the action, project, zone and name, so that a retry is the same request and
// Google answers it with the first one's Operation instead of acting twice.
std::string GceRequestId(const std::string& action, const std::string& project,
                         const std::string& zone, const std::string& name);

// An image as `spec.image` names it: "projects/P/global/images/NAME" or
// "projects/P/global/images/family/FAMILY" (the https://.../compute/v1/ prefix is allowed, and
// "global/images/..." means the client's project).
struct GceImageRef {
  std::string project, name;
  bool family = false;
  std::string Path() const;  // projects/P/global/images/[family/]NAME: sourceImage, and the GET
};
Status ParseGceImage(const std::string& image, const std::string& default_project,
                     GceImageRef* ref);

// The network interface's `network`: spec.network as given when it is a path, "global/networks/X"
// for a bare name X, "global/networks/default" when empty.
std::string GceNetworkPath(const std::string& network);

// The body of instances.insert for one worker.
nlohmann::json GceInsertBody(const LaunchSpec& spec, const std::string& name,
                             const std::string& user_data, const std::string& label,
                             const GceImageRef& image);

// What an Operation says: DONE -> kDone, or kRefused with its error's codes and messages in one
// line (QUOTA_EXCEEDED, ZONE_RESOURCE_POOL_EXHAUSTED); not DONE yet -> kRetry.
CloudResult GceOperationOutcome(const nlohmann::json& operation);

// One instance of a listing, with the zone it is in (Delete needs it).
struct GceListedInstance {
  FleetInstance instance;
  std::string zone;
};

// Reads one page of instances.aggregatedList (or instances.list): the instances whose metadata
// item osg-worker-group is exactly `group` ("" keeps every instance), and the nextPageToken.
// An error when the page is not JSON, or when some zones were unreachable (a partial list would
// hide workers).
Status ParseGceInstancePage(const std::string& body, const std::string& group,
                            std::vector<GceListedInstance>* out, std::string* next_page_token);

// Seconds since the epoch of an RFC 3339 time with its offset ("2024-05-06T07:08:09.123-07:00",
// "...Z"), or 0 when `text` is not one.
int64_t ParseRfc3339(const std::string& text);

}  // namespace osg
