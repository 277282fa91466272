"""One conversation's machinery on autogen-agentchat: the agent backed by a provider (``agent``), who speaks
next (``turns``), the in-process team and the group chat (``team``, ``turns``), the stop rules as termination
conditions (``stops``), the messages they exchange (``messages``), and the orchestrator that streams one
conversation into its transcript (``orchestrator``)."""
