#!/usr/bin/env python3
"""A Raft node (Figure 2 of the Raft paper) that speaks raftcheck's driver protocol.

raftcheck starts one process per node and talks to it in JSON Lines: one request per line
on stdin, exactly one reply per line on stdout (spec/DRIVER.md). Logs go to stderr. The node
replicates a single-value register (set, get, cas) and never reads a clock: raftcheck fires
its timers, so every run is reproducible from the seed it sends in `init`.

    npx raftcheck fuzz --impl cmd:"python3 examples/python-raft/raft_node.py"

Python 3 standard library only.
"""
import json
import random
import sys


class Node:
    def __init__(self, init):
        self.id = init["node"]
        self.peers = [m for m in init["members"] if m != self.id]
        self.majority = len(init["members"]) // 2 + 1
        self.config = init["config"]
        self.random = random.Random(init["seed"])
        persisted = init["persisted"] or {"term": 0, "votedFor": None, "log": []}
        # Persistent state (Figure 2): survives a crash, returned by `crash`.
        self.term = persisted["term"]
        self.voted_for = persisted["votedFor"]
        self.log = persisted["log"]  # entry i is self.log[i - 1]: {"term", "command"}
        # Volatile state.
        self.role = "follower"
        self.leader = None
        self.commit_index = 0
        self.last_applied = 0
        self.value = None
        self.votes = set()
        self.next_index = {}
        self.match_index = {}
        self.pending = {}  # log index -> (client, requestId) this leader must answer
        self.out = None  # the reply being built for the current request

    # ---------------------------------------------------------------- helpers

    def last_index(self):
        return len(self.log)

    def term_at(self, index):
        if index == 0:
            return 0
        return self.log[index - 1]["term"] if index <= len(self.log) else None

    def send(self, to, message):
        self.out["messages"].append(dict(message, to=to, term=self.term))

    def arm_election_timer(self):
        low, high = self.config["electionTimeoutMin"], self.config["electionTimeoutMax"]
        self.out["timers"]["election"] = self.random.randint(low, high)

    def become(self, role):
        if role == self.role:
            return
        if self.role == "leader":
            self.out["timers"]["heartbeat"] = None
        self.role = role
        if role == "follower":
            self.arm_election_timer()

    def adopt_term(self, term):
        """Any message with a higher term: adopt it, forget the vote, become follower."""
        self.term = term
        self.voted_for = None
        self.leader = None
        self.become("follower")

    # ---------------------------------------------------------------- elections

    def start_election(self):
        self.role = "candidate"
        self.term += 1
        self.voted_for = self.id
        self.leader = None
        self.votes = {self.id}
        self.arm_election_timer()
        for peer in self.peers:
            self.send(peer, {"type": "RequestVote", "candidateId": self.id,
                             "lastLogIndex": self.last_index(), "lastLogTerm": self.term_at(self.last_index())})
        self.maybe_win()

    def maybe_win(self):
        if self.role == "candidate" and len(self.votes) >= self.majority:
            self.role = "leader"
            self.leader = self.id
            self.next_index = {p: self.last_index() + 1 for p in self.peers}
            self.match_index = {p: 0 for p in self.peers}
            self.out["timers"]["election"] = None
            for peer in self.peers:
                self.send_append_entries(peer)
            self.out["timers"]["heartbeat"] = self.config["heartbeatInterval"]

    def on_request_vote(self, m):
        up_to_date = (m["lastLogTerm"], m["lastLogIndex"]) >= (self.term_at(self.last_index()), self.last_index())
        grant = m["term"] == self.term and self.voted_for in (None, m["candidateId"]) and up_to_date
        if grant:
            self.voted_for = m["candidateId"]
            self.arm_election_timer()
        self.send(m["from"], {"type": "RequestVoteResponse", "voteGranted": grant})

    def on_request_vote_response(self, m):
        if self.role == "candidate" and m["term"] == self.term and m["voteGranted"]:
            self.votes.add(m["from"])
            self.maybe_win()

    # ---------------------------------------------------------------- replication

    def send_append_entries(self, peer):
        prev = self.next_index[peer] - 1
        entries = self.log[prev:prev + self.config["maxEntriesPerMessage"]]
        self.send(peer, {"type": "AppendEntries", "leaderId": self.id, "prevLogIndex": prev,
                         "prevLogTerm": self.term_at(prev), "entries": entries, "leaderCommit": self.commit_index})

    def on_append_entries(self, m):
        reply = {"type": "AppendEntriesResponse", "success": False}
        if m["term"] < self.term or self.role == "leader":
            return self.send(m["from"], reply)
        self.become("follower")  # a candidate that hears from the leader of its term
        self.leader = m["leaderId"]
        self.arm_election_timer()
        prev = m["prevLogIndex"]
        if self.term_at(prev) != m["prevLogTerm"]:
            if prev > self.last_index():
                reply["conflictIndex"] = self.last_index() + 1
            else:
                conflict_term = self.term_at(prev)
                first = prev
                while first > 1 and self.term_at(first - 1) == conflict_term:
                    first -= 1
                reply.update(conflictIndex=first, conflictTerm=conflict_term)
            return self.send(m["from"], reply)
        # Delete entries only from the first conflict on; a stale request deletes nothing.
        for k, entry in enumerate(m["entries"]):
            index = prev + 1 + k
            if self.term_at(index) == entry["term"]:
                continue
            del self.log[index - 1:]
            self.log.extend(m["entries"][k:])
            break
        last_new = prev + len(m["entries"])
        self.advance_commit(min(m["leaderCommit"], last_new))
        self.send(m["from"], dict(reply, success=True, matchIndex=last_new))

    def on_append_entries_response(self, m):
        if self.role != "leader" or m["term"] != self.term:
            return
        peer = m["from"]
        if m["success"]:
            match = max(self.match_index[peer], min(m.get("matchIndex", 0), self.last_index()))
            self.match_index[peer] = match
            self.next_index[peer] = max(self.next_index[peer], match + 1)
            # Figure 8: count replicas only for an entry of the current term.
            n = sorted([self.last_index()] + list(self.match_index.values()), reverse=True)[self.majority - 1]
            if n > self.commit_index and self.term_at(n) == self.term:
                self.advance_commit(n)
            if self.next_index[peer] <= self.last_index():
                self.send_append_entries(peer)
            return
        nxt = m.get("conflictIndex", self.next_index[peer] - 1)
        if "conflictTerm" in m:
            last_of_term = max((i for i in range(1, self.last_index() + 1) if self.term_at(i) == m["conflictTerm"]), default=0)
            if last_of_term > 0:
                nxt = last_of_term + 1
        self.next_index[peer] = max(self.match_index[peer] + 1, min(nxt, self.last_index() + 1))
        self.send_append_entries(peer)

    def advance_commit(self, index):
        if index <= self.commit_index:
            return
        self.commit_index = index
        while self.last_applied < self.commit_index:
            self.last_applied += 1
            self.apply(self.last_applied, self.log[self.last_applied - 1]["command"])

    def apply(self, index, command):
        result = {"status": "ok"}
        if command["type"] == "set":
            self.value = command["value"]
        elif command["type"] == "cas":
            if self.value == command["expected"]:
                self.value = command["value"]
            else:
                result = {"status": "cas_failed", "value": self.value}
        elif command["type"] == "get":
            result = {"status": "ok", "value": self.value}
        origin = self.pending.pop(index, None)
        if origin and (command.get("client"), command.get("requestId")) == origin:
            self.out["replies"].append({"client": origin[0], "requestId": origin[1], "result": result})

    # ---------------------------------------------------------------- requests

    def on_client(self, r):
        if self.role != "leader":
            result = {"status": "not_leader", "leaderHint": self.leader}
            self.out["replies"].append({"client": r["client"], "requestId": r["requestId"], "result": result})
            return
        command = dict(r["op"], client=r["client"], requestId=r["requestId"])
        self.log.append({"term": self.term, "command": command})
        self.pending[self.last_index()] = (r["client"], r["requestId"])
        if self.majority == 1:
            self.advance_commit(self.last_index())

    def handle(self, request):
        self.out = {"id": request["id"], "messages": [], "timers": {}, "replies": []}
        kind = request["type"]
        if kind == "init":
            self.arm_election_timer()
        elif kind == "deliver":
            m = request["message"]
            if m["term"] > self.term:
                self.adopt_term(m["term"])
            handler = {"RequestVote": self.on_request_vote, "RequestVoteResponse": self.on_request_vote_response,
                       "AppendEntries": self.on_append_entries,
                       "AppendEntriesResponse": self.on_append_entries_response}.get(m["type"])
            if handler:
                handler(m)
        elif kind == "timeout":
            if request["timer"] == "election" and self.role != "leader":
                self.start_election()
            elif request["timer"] == "heartbeat" and self.role == "leader":
                for peer in self.peers:
                    self.send_append_entries(peer)
                self.out["timers"]["heartbeat"] = self.config["heartbeatInterval"]
        elif kind == "client":
            self.on_client(request)
        elif kind == "crash":
            return {"id": request["id"], "persisted": {"term": self.term, "votedFor": self.voted_for, "log": self.log}}
        self.out["state"] = {"role": self.role, "term": self.term, "votedFor": self.voted_for,
                             "commitIndex": self.commit_index, "lastApplied": self.last_applied,
                             "log": self.log, "value": self.value}
        return self.out


def main():
    node = None
    while True:
        line = sys.stdin.readline()
        if not line:
            return  # raftcheck closed stdin: stop
        request = json.loads(line)
        if node is None:
            node = Node(request)
        reply = node.handle(request)
        sys.stdout.write(json.dumps(reply, separators=(",", ":")) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
