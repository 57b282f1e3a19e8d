#pragma once
// The one place the GUI reads the cluster's object store (models/cluster
// Store, behind models::ClusterModel). Everything else in gui/ sees only the
// plain ClusterView of snapshot.h, so a change in the cluster model's API
// touches this file alone.
#include <functional>
#include <string>
#include <vector>

#include "gui/engine/snapshot.h"
#include "models/cluster/store.h"
#include "models/world/world.h"

namespace rehearsal::gui {

// Finds the cluster's store in a world, or nullptr. The default looks for the
// binder's models::ClusterComponent, then for a component that is a
// models::ClusterModel (World::Find cross-casts).
using StoreLocator = std::function<const models::Store*(const models::World&)>;
const models::Store* DefaultStoreLocator(const models::World& world);

// Nodes (live, id order) with their bound pods, and the unbound live pods.
ClusterView ReadClusterFromStore(const models::Store& store);

// Fallback when no store is reachable: node counts per pool from the last
// row of the `cluster.nodes.<pool>` series.
ClusterView ReadClusterFromSeries(const std::vector<std::string>& series_names, const SeriesRow* last_row);

}  // namespace rehearsal::gui
