-- 0199: the node a run is executing is read from run_nodes instead of written to runs.current_node.
-- An UPDATE of runs rewrites the whole row, graph_json included (several MB for a 10,000-node
-- graph), once per node start (issue 18 finding 9). This partial index holds only the few rows of
-- nodes that are running (or were, when the runtime died), so the lookup per run is one probe.
-- runs.current_node stays for runs recorded before this version.
CREATE INDEX run_nodes_active ON run_nodes(run_id, started_at)
  WHERE status IN ('running', 'interrupted');
