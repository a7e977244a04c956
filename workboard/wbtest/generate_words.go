package wbtest

// The word lists the generator draws names and texts from. They mix scripts, accents, emoji,
// quotes and apostrophes on purpose, so clients meet them in every text field.
var (
	firstNames = []string{"Priya", "Marcus", "Lena", "Tomás", "Hana", "José", "Zoë", "Łukasz", "Søren", "Chloé",
		"Renée", "Olu", "Anaïs", "Björn", "Mei", "Ines", "Rafael", "Aroha", "Dmitri", "Fatima", "Noah", "Amélie",
		"Kenji", "Siobhán", "Ngozi", "Mateo", "Yara", "Ødegaard", "Liam", "Ana"}
	lastNames = []string{"Raman", "Oyelaran", "Fischer", "Aguilar", "Kobayashi", "García", "Müller", "O'Brien",
		"Nguyễn", "Kowalski", "Ström", "Dubois", "Rossi", "Smith-Jones", "Haddad", "Petrov", "Silva", "Tanaka",
		"Okafor", "Van der Berg", "Jensen", "Costa", "Lefèvre", "Novák"}
	cjkNames   = [][2]string{{"美羽", "佐藤"}, {"伟", "王"}, {"娜", "李"}, {"민준", "김"}, {"翔", "田中"}}
	emojiNames = []string{"Alex 🚀", "Sam ✨", "Jo 🌱"}
	timeZones  = []string{"America/Los_Angeles", "America/Chicago", "America/New_York", "Europe/Berlin",
		"Europe/London", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo", "Asia/Kolkata"}
	titles = []string{"Account Executive", "Engineer", "Senior Engineer", "Product Manager", "Director of Sales",
		"Head of Customer Success", "Analyst", "Designer", "VP Operations", "Support Specialist", "Recruiter"}
	teamNames = []string{"Sales", "Customer Success", "Product", "Engineering", "Marketing", "Finance", "People",
		"Data Platform", "Ventes Europe", "開発チーム", "Growth 🚀", "Support", "Legal & Compliance", "Design",
		"Renewals Tiger Team", "Partnerships"}
	goalNames = []string{"Grow net revenue retention to 112%", "Make onboarding effortless",
		"Be the easiest analytics vendor to buy and use", "Build 3x pipeline coverage for H2",
		"Launch \"Atlas\" v2 to all customers", "Réduire le churn de 20 %", "顧客満足度を向上させる",
		"Ship the mobile app 📱", "Hire and ramp 12 engineers", "Cut cloud spend per customer",
		"Complete the first-line leadership program", "Raise NPS above 45", "Close the books in 5 days",
		"Zero Sev-1 incidents", "Expand into the DACH market", "Mejorar la calidad de datos"}
	krNames = []string{"Expansion ARR booked", "Gross revenue churn", "Median days to first value",
		"Onboarding CSAT", "Qualified pipeline coverage", "Customer NPS", "Leadership modules completed",
		"Weekly active users", "p95 latency (ms)", "Cost per customer (€)", "Open Sev-2 tickets",
		"Signed partner agreements", "Taux de conversion", "リリース数", "Test coverage %", "Hiring offers accepted"}
	checkinComments = []string{"First expansion deal of the quarter.", "Two enterprise upsells slipped.",
		"Late update after offsite.", "On track.", "Blocked on legal review — escalated.", "Données corrigées.",
		"Great week 🎉", "Backlog cleared, see \"Q3 plan\" doc.", "予定通り", "Recovered after the outage."}
	confComments = []string{"Strong start.", "Two deals slipped; recovery plan agreed.", "", "Risk: hiring freeze.",
		"Confidence restored.", "Dependencies unclear."}
	goalComments = []string{"Two enterprise upsells slipped to September; pipeline still healthy.",
		"Please align with the Sales plan.", "Great progress — keep going! 💪", "Revisit the target in the next QBR.",
		"Reprise prévue la semaine prochaine.", "目標を見直しました。"}
	categories  = []IDName{{"12", "Customer"}, {"15", "Revenue"}, {"18", "People"}, {"21", "Operations"}, {"24", "Product"}}
	workstreams = []IDName{{"7731", "Onboarding revamp"}, {"7740", "Renewal playbook"}, {"7752", "Platform migration"}}
	themes      = []string{"Land and expand", "Operational excellence", "Customer love", "Efficiency"}
)
