// Command etcd-raft-driver runs one node of etcd's Raft (go.etcd.io/etcd/raft, etcd 3.4, as
// Debian packages it) behind raftcheck's driver protocol (spec/DRIVER.md): one JSON request
// per line on stdin, exactly one JSON reply per line on stdout, logs on stderr.
//
// The node is etcd's RawNode over its MemoryStorage, replicating raftcheck's single-value
// register (set, get, cas). Every request is handled to the end of etcd's Ready cycle before
// the reply: persist HardState and entries, send the messages, apply the committed entries,
// Advance. Time is raftcheck's: the node asks for a tick every tickMs of virtual time and
// counts elections and heartbeats in ticks, as etcd does. The one random draw etcd makes (the
// randomized election timeout) comes from a source seeded with the driver's seed (rand.go).
//
// Build and fuzz it with `npm run etcd:fuzz` (tools/etcd-fuzz.sh); docs/ETCD.md says what is
// checked and what was found.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"

	"go.etcd.io/etcd/raft"
	pb "go.etcd.io/etcd/raft/raftpb"
)

// ------------------------------------------------------------------ the protocol's lines

type config struct {
	ElectionTimeoutMin   int `json:"electionTimeoutMin"`
	ElectionTimeoutMax   int `json:"electionTimeoutMax"`
	HeartbeatInterval    int `json:"heartbeatInterval"`
	MaxEntriesPerMessage int `json:"maxEntriesPerMessage"`
}

type entry struct {
	Term    uint64          `json:"term"`
	Command json.RawMessage `json:"command"`
}

type persistent struct {
	Term     uint64  `json:"term"`
	VotedFor *string `json:"votedFor"`
	Log      []entry `json:"log"`
}

type request struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	Now       int64           `json:"now"`
	Protocol  string          `json:"protocol"`
	Version   int             `json:"version"`
	Node      string          `json:"node"`
	Members   []string        `json:"members"`
	Config    config          `json:"config"`
	Persisted *persistent     `json:"persisted"`
	Seed      int64           `json:"seed"`
	Message   json.RawMessage `json:"message"`
	Timer     string          `json:"timer"`
	Client    string          `json:"client"`
	RequestID json.RawMessage `json:"requestId"`
	Op        json.RawMessage `json:"op"`
}

type state struct {
	Role        string  `json:"role"`
	Term        uint64  `json:"term"`
	VotedFor    *string `json:"votedFor"`
	CommitIndex uint64  `json:"commitIndex"`
	LastApplied uint64  `json:"lastApplied"`
	Log         []entry `json:"log"`
	Value       any     `json:"value"`
}

type clientReply struct {
	Client    string          `json:"client"`
	RequestID json.RawMessage `json:"requestId"`
	Result    map[string]any  `json:"result"`
}

type reply struct {
	ID        int64            `json:"id"`
	Messages  []map[string]any `json:"messages,omitempty"`
	Replies   []clientReply    `json:"replies,omitempty"`
	Fired     []string         `json:"fired,omitempty"`
	State     *state           `json:"state,omitempty"`
	Persisted *persistent      `json:"persisted,omitempty"`
	TickMs    int              `json:"tickMs,omitempty"`
	Features  []string         `json:"features,omitempty"`
	Error     string           `json:"error,omitempty"`
}

// ------------------------------------------------------------------ the node

// options are etcd's own switches, from the command line (both off: etcd's defaults), and a
// deliberate bug to show that raftcheck catches it (docs/ETCD.md, "The checks bite").
type options struct {
	preVote, checkQuorum bool
	forgetVote           bool // --bug=forget-vote: crash answers a HardState without the vote
}

type node struct {
	self    string
	names   []string          // etcd id i+1 is names[i]
	ids     map[string]uint64 // and back
	storage *raft.MemoryStorage
	raw     *raft.RawNode
	applied uint64
	value   any
	pending map[string]bool // client#requestId this node proposed, answered when applied
	out     *reply
	// stale: the message being delivered is of an older term than the node's, so the MsgAppResp
	// etcd sends for it (with pre-vote or check-quorum: reject false, index 0) is its refusal.
	stale bool
}

// fixedMembers is a MemoryStorage whose initial configuration names every member: the
// cluster is fixed (no bootstrap entries, no membership changes in the log).
type fixedMembers struct {
	*raft.MemoryStorage
	voters []uint64
}

func (s fixedMembers) InitialState() (pb.HardState, pb.ConfState, error) {
	hs, _, err := s.MemoryStorage.InitialState()
	return hs, pb.ConfState{Voters: s.voters}, err
}

// electionTick: etcd counts elections, leases and quorum checks in ticks. A tick is the
// minimum election timeout over electionTick - 1, rounded up (17 ms for 150 ms), so that
// etcd's lease — electionTick ticks counted from the tick before the node heard from its
// leader — lasts at least the minimum election timeout, as the reference's does (with ten
// ticks of 15 ms it could end after 136 ms: a vote granted inside the reference's lease,
// checkquorum.lease, at run 3 of `--check-quorum --seed 1`). etcd's randomized election
// timeout [electionTick, 2*electionTick) ticks is then 170-340 ms.
const electionTick = 10

func newNode(r request, opts options) (*node, int, error) {
	if r.Protocol != "raftcheck-driver" || r.Version != 1 {
		return nil, 0, fmt.Errorf("speaks raftcheck-driver version 1, not %s %d", r.Protocol, r.Version)
	}
	names := append([]string(nil), r.Members...)
	sort.Strings(names)
	n := &node{self: r.Node, names: names, ids: map[string]uint64{}, storage: raft.NewMemoryStorage(), pending: map[string]bool{}}
	voters := make([]uint64, len(names))
	for i, name := range names {
		n.ids[name] = uint64(i + 1)
		voters[i] = uint64(i + 1)
	}
	if p := r.Persisted; p != nil {
		// A restart: term, vote and log as persisted; commit starts at 0, as in Figure 2.
		hs := pb.HardState{Term: p.Term}
		if p.VotedFor != nil {
			hs.Vote = n.ids[*p.VotedFor]
		}
		if err := n.storage.SetHardState(hs); err != nil {
			return nil, 0, err
		}
		ents := make([]pb.Entry, len(p.Log))
		for i, e := range p.Log {
			ents[i] = pb.Entry{Term: e.Term, Index: uint64(i + 1), Type: pb.EntryNormal, Data: dataOf(e.Command)}
		}
		if err := n.storage.Append(ents); err != nil {
			return nil, 0, err
		}
	}
	tickMs := (r.Config.ElectionTimeoutMin + electionTick - 2) / (electionTick - 1)
	if tickMs < 1 {
		tickMs = 1
	}
	heartbeatTick := r.Config.HeartbeatInterval / tickMs
	if heartbeatTick < 1 {
		heartbeatTick = 1
	}
	if heartbeatTick >= electionTick {
		heartbeatTick = electionTick - 1
	}
	batch := uint64(r.Config.MaxEntriesPerMessage)
	maxSize := batch * 64 // etcd limits messages by bytes: about `batch` register commands
	if batch <= 1 {
		maxSize = 1 // etcd always sends at least one entry: one byte means one entry per message
	}
	seedRandom(r.Seed)
	raw, err := raft.NewRawNode(&raft.Config{
		ID:                        n.ids[r.Node],
		ElectionTick:              electionTick,
		HeartbeatTick:             heartbeatTick,
		Storage:                   fixedMembers{n.storage, voters},
		Applied:                   0,
		MaxSizePerMsg:             maxSize,
		MaxInflightMsgs:           256,
		PreVote:                   opts.preVote,
		CheckQuorum:               opts.checkQuorum,
		DisableProposalForwarding: true, // raftcheck's clients expect an answer from the node they asked
		Logger:                    logger{},
	})
	if err != nil {
		return nil, 0, err
	}
	n.raw = raw
	return n, tickMs, nil
}

// dataOf is an entry's payload: the command's JSON, or nothing for a noop (a leader's empty entry).
func dataOf(command json.RawMessage) []byte {
	var c struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(command, &c) == nil && c.Type == "noop" {
		return nil
	}
	return append([]byte(nil), command...)
}

func commandOf(data []byte) json.RawMessage {
	if len(data) == 0 {
		return json.RawMessage(`{"type":"noop"}`)
	}
	return json.RawMessage(data)
}

func (n *node) name(id uint64) *string {
	if id == 0 || id > uint64(len(n.names)) {
		return nil
	}
	s := n.names[id-1]
	return &s
}

// drain hands every Ready over.
func (n *node) drain() error {
	for n.raw.HasReady() {
		if err := n.process(n.raw.Ready()); err != nil {
			return err
		}
	}
	return nil
}

// process handles one Ready in etcd's order: persist, send, apply, advance.
func (n *node) process(rd raft.Ready) error {
	if !raft.IsEmptyHardState(rd.HardState) {
		if err := n.storage.SetHardState(rd.HardState); err != nil {
			return err
		}
	}
	if len(rd.Entries) > 0 {
		if err := n.storage.Append(rd.Entries); err != nil {
			return err
		}
	}
	if !raft.IsEmptySnap(rd.Snapshot) {
		return errors.New("etcd handed over a snapshot; this driver never compacts, so none should exist")
	}
	for _, m := range rd.Messages {
		if err := n.send(m); err != nil {
			return err
		}
	}
	for _, e := range rd.CommittedEntries {
		if err := n.apply(e); err != nil {
			return err
		}
	}
	n.raw.Advance(rd)
	return nil
}

// send maps an etcd message to the trace's: Figure 2's four where they mean the same, the rest
// as Other. The etcd message itself travels in `data` and is what the receiver steps.
func (n *node) send(m pb.Message) error {
	to, from := n.name(m.To), n.name(m.From)
	if to == nil || from == nil || *from != n.self {
		return fmt.Errorf("etcd sent %s from %d to %d, not between members", m.Type, m.From, m.To)
	}
	if *to == n.self {
		return fmt.Errorf("etcd sent %s to itself (etcd 3.4 never does)", m.Type)
	}
	out := map[string]any{"to": *to, "term": m.Term, "data": m}
	switch m.Type {
	case pb.MsgVote:
		out["type"], out["candidateId"], out["lastLogIndex"], out["lastLogTerm"] = "RequestVote", *from, m.Index, m.LogTerm
	case pb.MsgVoteResp:
		out["type"], out["voteGranted"] = "RequestVoteResponse", !m.Reject
	case pb.MsgApp:
		entries := make([]entry, len(m.Entries))
		for i, e := range m.Entries {
			entries[i] = entry{Term: e.Term, Command: commandOf(e.Data)}
		}
		out["type"], out["leaderId"], out["prevLogIndex"], out["prevLogTerm"] = "AppendEntries", *from, m.Index, m.LogTerm
		out["entries"], out["leaderCommit"] = entries, m.Commit
	case pb.MsgAppResp:
		out["type"] = "AppendEntriesResponse"
		if n.stale {
			out["success"] = false // the answer to a stale MsgApp or MsgHeartbeat: its refusal, with our term
		} else if m.Reject {
			out["success"], out["conflictIndex"] = false, m.RejectHint+1
		} else {
			out["success"], out["matchIndex"] = true, m.Index
		}
	case pb.MsgHeartbeat: // feature heartbeat: commit is min(match, committed)
		out["type"], out["commit"] = "Heartbeat", m.Commit
	case pb.MsgHeartbeatResp:
		out["type"] = "HeartbeatResponse"
	case pb.MsgPreVote: // feature prevote: the term it would stand in
		out["type"], out["candidateId"], out["lastLogIndex"], out["lastLogTerm"] = "PreVote", *from, m.Index, m.LogTerm
	case pb.MsgPreVoteResp:
		out["type"], out["voteGranted"] = "PreVoteResponse", !m.Reject
	default: // MsgTimeoutNow (no transfers here), MsgSnap (no compaction), ...: not modelled
		out["type"], out["name"] = "Other", m.Type.String()
	}
	n.out.Messages = append(n.out.Messages, out)
	return nil
}

func (n *node) apply(e pb.Entry) error {
	if e.Index != n.applied+1 {
		return fmt.Errorf("etcd handed entry %d to apply after %d", e.Index, n.applied)
	}
	n.applied = e.Index
	if e.Type != pb.EntryNormal {
		return fmt.Errorf("etcd applied a %s entry at %d; the membership is fixed", e.Type, e.Index)
	}
	if len(e.Data) == 0 {
		return nil // a leader's empty entry
	}
	var c struct {
		Type      string          `json:"type"`
		Value     any             `json:"value"`
		Expected  any             `json:"expected"`
		Client    string          `json:"client"`
		RequestID json.RawMessage `json:"requestId"`
	}
	dec := json.NewDecoder(strings.NewReader(string(e.Data)))
	dec.UseNumber() // integers compare and print as they came
	if err := dec.Decode(&c); err != nil {
		return fmt.Errorf("entry %d: %v", e.Index, err)
	}
	result := map[string]any{"status": "ok"}
	switch c.Type {
	case "set":
		n.value = c.Value
	case "cas":
		if same(n.value, c.Expected) {
			n.value = c.Value
		} else {
			result = map[string]any{"status": "cas_failed", "value": n.value}
		}
	case "get":
		result["value"] = n.value
	}
	key := c.Client + "#" + string(c.RequestID)
	if n.pending[key] {
		delete(n.pending, key)
		n.out.Replies = append(n.out.Replies, clientReply{Client: c.Client, RequestID: c.RequestID, Result: result})
	}
	return nil
}

// same compares register values (a string, an integer as json.Number, or null).
func same(a, b any) bool {
	return fmt.Sprintf("%T %v", a, a) == fmt.Sprintf("%T %v", b, b)
}

func (n *node) observe() *state {
	st := n.raw.Status()
	role := "follower"
	switch st.RaftState {
	case raft.StateLeader:
		role = "leader"
	case raft.StateCandidate:
		role = "candidate"
	case raft.StatePreCandidate: // feature prevote
		role = "precandidate"
	}
	return &state{Role: role, Term: st.Term, VotedFor: n.name(st.Vote), CommitIndex: st.Commit, LastApplied: n.applied, Log: n.log(), Value: n.value}
}

// log is what the storage holds (every Ready is persisted before the reply).
func (n *node) log() []entry {
	first, _ := n.storage.FirstIndex()
	last, _ := n.storage.LastIndex()
	out := []entry{}
	if last < first {
		return out
	}
	ents, err := n.storage.Entries(first, last+1, ^uint64(0))
	if err != nil {
		panic(err)
	}
	for _, e := range ents {
		out = append(out, entry{Term: e.Term, Command: commandOf(e.Data)})
	}
	return out
}

func (n *node) persisted(opts options) *persistent {
	hs, _, _ := n.storage.InitialState()
	if opts.forgetVote {
		hs.Vote = 0
	}
	return &persistent{Term: hs.Term, VotedFor: n.name(hs.Vote), Log: n.log()}
}

// clock reads etcd's election clock and the leader it knows: unexported in RawNode, read
// (never written) through reflection, so that a tick can say which check-quorum timers fired.
func (n *node) clock() (elapsed int64, lead uint64) {
	r := reflect.ValueOf(n.raw).Elem().FieldByName("raft").Elem()
	return r.FieldByName("electionElapsed").Int(), r.FieldByName("lead").Uint()
}

// tick advances etcd's clock by one tick and says which timers that fired: an election when
// the node campaigned (a vote or pre-vote request, or a one-node cluster's instant win), a
// heartbeat when a leader sent its heartbeats, and with check-quorum on (feature checkquorum)
// `lease` when a follower that knows a leader reaches electionTick ticks since it heard from
// it (etcd's lease ends) and `quorum` when a leader checks its quorum (every electionTick
// ticks). The node reports these, so the checker follows etcd's clock for them.
func (n *node) tick(opts options) error {
	before := n.raw.Status().RaftState
	elapsed, lead := n.clock()
	lease := opts.checkQuorum && before != raft.StateLeader && lead != 0 && elapsed+1 == electionTick
	quorum := opts.checkQuorum && before == raft.StateLeader && elapsed+1 >= electionTick
	n.raw.Tick()
	campaigned, beat := false, false
	after := n.raw.Status().RaftState
	if after != before && after != raft.StateFollower {
		campaigned = true
	}
	if n.raw.HasReady() {
		rd := n.raw.Ready()
		for _, m := range rd.Messages {
			switch m.Type {
			case pb.MsgVote, pb.MsgPreVote:
				campaigned = true
			case pb.MsgHeartbeat:
				beat = true
			}
		}
		if err := n.process(rd); err != nil {
			return err
		}
	}
	if lease {
		n.out.Fired = append(n.out.Fired, "lease")
	}
	if quorum {
		n.out.Fired = append(n.out.Fired, "quorum")
	}
	if campaigned {
		n.out.Fired = append(n.out.Fired, "election")
	}
	if beat {
		n.out.Fired = append(n.out.Fired, "heartbeat")
	}
	return nil
}

func (n *node) client(r request) error {
	st := n.raw.Status()
	notLeader := func() {
		n.out.Replies = append(n.out.Replies, clientReply{Client: r.Client, RequestID: r.RequestID, Result: map[string]any{"status": "not_leader", "leaderHint": n.name(st.Lead)}})
	}
	if st.RaftState != raft.StateLeader {
		notLeader()
		return nil
	}
	var op map[string]json.RawMessage
	if err := json.Unmarshal(r.Op, &op); err != nil {
		return fmt.Errorf("op: %v", err)
	}
	op["client"], _ = json.Marshal(r.Client)
	op["requestId"] = r.RequestID
	data, _ := json.Marshal(op) // map keys sorted: the same command gives the same bytes
	if err := n.raw.Propose(data); err != nil {
		notLeader() // dropped (ErrProposalDropped): not appended
		return nil
	}
	n.pending[r.Client+"#"+string(r.RequestID)] = true
	return nil
}

func (n *node) handle(r request, opts options) (err error) {
	switch r.Type {
	case "deliver":
		var m struct {
			Data pb.Message `json:"data"`
		}
		if err := json.Unmarshal(r.Message, &m); err != nil {
			return fmt.Errorf("message: %v (only etcd nodes talk to etcd nodes)", err)
		}
		st := n.raw.Status()
		n.stale = (m.Data.Type == pb.MsgApp || m.Data.Type == pb.MsgHeartbeat) && m.Data.Term < st.Term
		err := n.raw.Step(m.Data)
		if err != nil && err != raft.ErrStepPeerNotFound {
			return err
		}
	case "tick":
		if err := n.tick(opts); err != nil {
			return err
		}
	case "timeout":
		// The schedule's forced election (ticks drive everything else). A leader ignores it.
		if r.Timer == "election" && n.raw.Status().RaftState != raft.StateLeader {
			if err := n.raw.Campaign(); err != nil {
				return err
			}
		}
	case "client":
		if err := n.client(r); err != nil {
			return err
		}
	case "observe":
	default:
		return fmt.Errorf("unknown request type %q", r.Type)
	}
	err = n.drain()
	n.stale = false
	return err
}

// ------------------------------------------------------------------ the loop

// features: what raftcheck checks this node under, step by step (docs/ETCD.md): etcd's
// heartbeats are their own message (feature heartbeat), and its options are prevote and
// checkquorum. etcd's other differences from Figure 2 are hidden steps of the checker (a new
// leader's empty entry, an append below the commit index answered at it, an election lost).
func features(opts options) []string {
	out := []string{"heartbeat"}
	if opts.preVote {
		out = append(out, "prevote")
	}
	if opts.checkQuorum {
		out = append(out, "checkquorum")
	}
	return out
}

func main() {
	opts := options{}
	for _, a := range os.Args[1:] {
		switch a {
		case "--pre-vote":
			opts.preVote = true
		case "--check-quorum":
			opts.checkQuorum = true
		case "--bug=forget-vote":
			opts.forgetVote = true
		default:
			fmt.Fprintf(os.Stderr, "usage: etcd-raft-driver [--pre-vote] [--check-quorum] [--bug=forget-vote]\n")
			os.Exit(2)
		}
	}
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	var n *node
	for {
		line, err := in.ReadBytes('\n')
		if len(line) == 0 && err == io.EOF {
			return // raftcheck closed stdin
		}
		var r request
		var rep reply
		if err := json.Unmarshal(line, &r); err != nil {
			rep = reply{ID: r.ID, Error: "not a request: " + err.Error()}
		} else {
			rep = step(&n, r, opts)
		}
		b, _ := json.Marshal(rep)
		out.Write(append(b, '\n'))
		out.Flush()
	}
}

// step handles one request; a panic in etcd becomes an error reply (a verdict with its message).
func step(np **node, r request, opts options) (rep reply) {
	rep.ID = r.ID
	defer func() {
		if p := recover(); p != nil {
			rep = reply{ID: r.ID, Error: fmt.Sprintf("etcd panicked: %v", p)}
		}
	}()
	if r.Type == "init" {
		n, tickMs, err := newNode(r, opts)
		if err != nil {
			return reply{ID: r.ID, Error: err.Error()}
		}
		*np = n
		n.out = &rep
		if err := n.drain(); err != nil {
			return reply{ID: r.ID, Error: err.Error()}
		}
		rep.TickMs, rep.Features, rep.State = tickMs, features(opts), n.observe()
		if opts.checkQuorum {
			rep.Fired = []string{"lease"} // a fresh node holds no lease: said, so the checker knows it reports its leases
		}
		return rep
	}
	n := *np
	if n == nil {
		return reply{ID: r.ID, Error: "the first request must be init"}
	}
	if r.Type == "crash" {
		return reply{ID: r.ID, Persisted: n.persisted(opts)}
	}
	n.out = &rep
	if err := n.handle(r, opts); err != nil {
		return reply{ID: r.ID, Error: err.Error()}
	}
	rep.State = n.observe()
	return rep
}
